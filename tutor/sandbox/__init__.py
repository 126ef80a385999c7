"""The learner's sandbox: a real Django project on SQLite (or on a server's database), built,
reset and run in by the tutor.

A lesson's start state is made with Django's own commands (`makemigrations`, `migrate`), so
the migration files are exactly what the installed Django writes. The tutor only ever deletes
a folder that carries its marker file, and a reset is built beside the old sandbox and swapped
in at the end, so an interrupted reset never leaves a half-built sandbox in place. Its rooms:

- `folder.py`: `Sandbox`, the folder of one home and what the rest of the tutor calls;
- `identity.py`: the marker, and the folder moves that keep the rule above;
- `build.py`: a lesson's sandbox built beside the old one and swapped in, or recovered;
- `start.py`: a lesson's start made with real commands from the template project;
- `snapshots.py`: the kept starts and step copies that save a reset its commands;
- `run.py`: `manage.py` and `git` in the sandbox, the learner's `python`, a solution's actions;
- `servers.py`: a sandbox whose database lives on a server;
- `disk.py`: what a full disk looks like, and what a failed build leaves.
"""

from __future__ import annotations

from .folder import Sandbox
from .identity import SANDBOX_MARKER, is_ours
from .run import run_git, run_manage
from .servers import declare_server

__all__ = ["SANDBOX_MARKER", "Sandbox", "declare_server", "is_ours", "run_git", "run_manage"]
