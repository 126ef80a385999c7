"""The probe: runs inside Django, set up for one sandbox, and says the sandbox's state, or
why it cannot be read, as one JSON answer. It is the only package that talks to Django's
migration machinery, and it only reads the learner's databases.

It runs in a process of its own (see `reader.py`): `python -m tutor.probe SANDBOX
[--fresh-build]` prints one answer (`__main__.py`); the warm helper (`helper.py`) calls
`probe()` in a forked child for every request. Its rooms:

- `read.py`: the state, database by database (`collect`);
- `migrations.py`: what the migration files say, and what `makemigrations` would write;
- `schema.py`: a database's tables, rows and mark, as they are;
- `drift.py`: where the tables disagree with the applied migrations;
- `git_position.py`: the branch and commit, read from .git's files;
- `explain.py`: why Django could not load the sandbox, in the learner's terms;
- `fresh_build.py`: the migration files run again on an empty database, in a child.

Django is imported inside the functions that use it: importing the probe costs what the
tutor's own modules cost, so the helper forks as fast as before.
"""

from __future__ import annotations

from pathlib import Path

from .explain import explain_failure
from .fresh_build import FreshBuildProcess
from .read import collect


def probe(sandbox: Path, fresh_build: bool = False) -> dict:
    """The state of the sandbox, or why it cannot be read, as JSON-ready data. With
    `fresh_build`, the migration files are also applied to an empty database, in a process
    of their own that runs while this one reads the state."""
    building = FreshBuildProcess(sandbox) if fresh_build else None
    try:
        state = collect(sandbox)
    except Exception as error:  # noqa: BLE001 - every failure becomes an explanation
        if building is not None:
            building.result()
        return {"ok": False, "error": explain_failure(error, sandbox).to_json()}
    if building is not None:
        state.fresh_build = building.result()
    return {"ok": True, "state": state.to_json()}
