"""`Sandbox`: the sandbox folder of one tutor home, what its marker says it is (the lesson it
was built for, its start state, where its database lives), and the collaborators that build
it (`build.py`), keep its starts and step copies (`snapshots.py`) and run commands in it
(`run.py`). The methods here are what the rest of the tutor calls; each job's rules live in
its own module."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..exceptions import NoSandbox
from ..home_layout import SANDBOX
from ..lessons import Lesson, SolutionAction
from ..reader import StateReader, shared_reader
from ..state import SandboxState
from . import run
from .build import Builder
from .identity import SANDBOX_MARKER, read_marker
from .servers import chosen_server, declared_database
from .snapshots import Snapshots

if TYPE_CHECKING:
    import subprocess


@dataclass(frozen=True)
class Sandbox:
    """The sandbox folder inside a tutor home, and the helpers that live beside it: the
    reader of its state, the `python` put on the learner's PATH, its kept starts.

    The tutor only ever deletes a folder that carries its marker file (`identity.py`), and a
    reset is built beside the old sandbox and swapped in at the end (`build.py`)."""

    home: Path
    reader: StateReader = field(default_factory=shared_reader, compare=False, repr=False)

    # --- the folder and what its marker says ------------------------------------------------

    @property
    def path(self) -> Path:
        return self.home / SANDBOX

    def exists(self) -> bool:
        return (self.path / SANDBOX_MARKER).is_file()

    def require(self) -> Path:
        if not self.path.is_dir():
            raise NoSandbox(self.path)
        return self.path

    def lesson_id(self) -> str | None:
        lesson = read_marker(self.path).get("lesson")
        return lesson if isinstance(lesson, str) else None

    def start_state(self) -> SandboxState | None:
        """The state the lesson's sandbox was built in (None for a sandbox built before the
        tutor kept it, or a marker that cannot be read)."""
        data = read_marker(self.path).get("start_state")
        if not isinstance(data, dict):
            return None
        try:
            return SandboxState.from_json(data)
        except (KeyError, TypeError, ValueError):
            return None

    def applied_at_start(self) -> set[str]:
        """The migrations applied when the lesson's sandbox was built (`app.name`, and
        `database:app.name` on the lesson's other databases)."""
        start = self.start_state()
        return start.applied_keys() if start else set()

    def read_state(self, *, fresh_build: bool = False,
                   releases: list[dict] = ()) -> SandboxState:
        return self.reader.read(self.require(), fresh_build=fresh_build, releases=releases)

    # --- where its database lives -------------------------------------------------------------

    @property
    def server(self):
        """The database server the sandbox's own database lives on (None: SQLite, a file in
        the sandbox); see `backends.py`."""
        return chosen_server(self.home)

    def built_on(self) -> str:
        """Where the built sandbox's own database is: "sqlite", or the server's URL (no
        password), as its marker records it."""
        return str(read_marker(self.path).get("backend") or "sqlite")

    def built_server(self):
        """The server the built sandbox's database is on, as its settings say (None: SQLite,
        or no sandbox)."""
        built = self.built_database()
        return built[0] if built else None

    def built_database(self):
        """(the server, the database's name) that the built sandbox's settings name; None
        for SQLite, no sandbox, or settings the learner rewrote."""
        return declared_database(self.path)

    # --- building, and the kept starts (build.py, snapshots.py) -------------------------------

    def recover(self) -> list[Path]:
        """Finish or roll back a reset that was interrupted half-way (see `Builder.recover`);
        returns what stands in a reset's way but is not the tutor's."""
        return Builder(self.home, self.reader).recover()

    def build(self, lesson: Lesson, announce: Callable[[str], object] | None = None) -> list[str]:
        """Rebuild the sandbox in `lesson`'s starting state (see `Builder.build`); returns
        what to tell about the databases of a server the sandbox has left."""
        return Builder(self.home, self.reader).build(lesson, announce)

    @property
    def kept(self) -> Snapshots:
        """The home's kept starts and step copies (`snapshots.py`): a reset's, a
        fast-forward's, the timeline's shared start database."""
        return Snapshots(self.home)

    # --- running what the learner (or a solution) does (run.py) ------------------------------

    @property
    def bin_dir(self) -> Path:
        """Holds a `python` that runs the tutor's own interpreter, which has Django (see
        `run.shim_folder`)."""
        return run.shim_folder(self.home)

    @property
    def python(self) -> str:
        return sys.executable

    def write_python_shim(self) -> None:
        """Put a `python` (and `python3`) on the learner's PATH that has Django."""
        run.write_python_shim(self.home)

    def learner_environment(self) -> dict[str, str]:
        return run.learner_environment(self.path, self.bin_dir)

    def manage(self, folder: Path, args: list[str]) -> "subprocess.CompletedProcess":
        """`python manage.py ARGS` in `folder`, output captured: through the warm helper
        where it can (a fork, not a new Python), else a new process."""
        return run.manage(self.reader, folder, args)

    def run_learner_command(self, command: str,
                            on_stderr: Callable[[str], object] | None = None,
                            on_still_running: Callable[[str], object] | None = None) -> int:
        """Run a command the learner typed, in the sandbox, attached to the terminal, so that
        Django's own questions can be answered. Its standard error goes to `on_stderr` as it
        comes, when given (to shorten tracebacks). Returns its exit status; a command that
        does not stop at Ctrl-C is said (`on_still_running`) and ends at a second one (see
        `attached.py`)."""
        self.write_python_shim()
        from ..attached import run_attached

        return run_attached(command, self.require(), self.learner_environment(), on_stderr,
                            on_still_running)

    def perform(self, action: SolutionAction, folder: Path | None = None) -> tuple[int, str]:
        """Carry out one action of a reference solution (or of a lesson's start, in `folder`);
        returns its status and output."""
        return run.perform(action, folder or self.require(), self.manage)
