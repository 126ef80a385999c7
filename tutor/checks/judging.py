"""Judges an expectation: its kind's judge, found by the kind's name, on the database it
names, with the lesson's `explain` added only where its condition (`when`) is observed, so
that no cause is named that the state does not show.

Each subject's module (migrations, schema, data, files, releases) declares its judges in a
`JUDGES` table; this one joins them, one judge per kind of `course/kinds.py`.
"""

from __future__ import annotations

from typing import Callable

from ..course.model import Expectation
from ..state import SandboxState
from . import data, files, migrations, releases, schema
from .outcome import Context, Outcome, Finding

JUDGES: dict[str, Callable[[Expectation, SandboxState, Context], Finding]] = {
    **migrations.JUDGES, **schema.JUDGES, **data.JUDGES, **files.JUDGES, **releases.JUDGES,
}


def judge_expectation(expectation: Expectation, state: SandboxState,
                      context: Context) -> Outcome:
    text, met, detail = _judge_on_its_database(expectation, state, context)
    pending = expectation.declaration.fresh and state.fresh_build is None
    if not met and not pending and expectation.explain \
            and observed(expectation.when, state, context):
        detail = f"{detail} {expectation.explain}".strip()
    return Outcome(text=text, met=met, detail="" if met else detail, pending=pending)


def observed(conditions: tuple[Expectation, ...], state: SandboxState, context: Context) -> bool:
    """Every condition is seen in the state: it holds (or, with `holds = false`, it does
    not)."""
    return all(_judge_on_its_database(c, state, context)[1] == c.holds for c in conditions)


def _judge_on_its_database(e: Expectation, state: SandboxState, context: Context) -> Finding:
    """The expectation judged against the database it names: the learner's own (`default`),
    or one of the lesson's others, whose claim then says which ("on teammate: ...")."""
    if e.database == state.database:
        return JUDGES[e.kind](e, state, context)
    there = state.on(e.database)
    if there is None:  # the claim as for an empty database, the detail why it is not met
        text, _, _ = JUDGES[e.kind](e, SandboxState(database=e.database, database_exists=False),
                                    Context(context.sandbox))
        return (f"on {e.database}: {text}", False,
                f"the sandbox has no database {e.database!r} in settings.DATABASES "
                "(`tutor reset` builds the lesson's databases again).")
    text, met, detail = JUDGES[e.kind](e, there, context.on(e.database))
    return f"on {e.database}: {text}", met, detail
