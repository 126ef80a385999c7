"""Starts the processes that read a sandbox's state, and turns their answers into a
`SandboxState` (or a `StateUnreadable` that says why not).

Django caches imported migration modules and (in 5.x) whether `django_migrations` exists, so a
state is always read by a Python process that has not read this sandbox before: see
`StateReader`. Reading never writes to the sandbox: it does not create a missing database,
and it writes no bytecode.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .state import SETTINGS_MODULE, SandboxState, StateUnreadable

if TYPE_CHECKING:
    import subprocess

# subprocess is imported where it is used: a reset from a snapshot, which reads no state,
# does not pay for it.

PROBE_MODULE = "tutor.probe"
HELPER_MODULE = "tutor.helper"
RELEASE_MODULE = "tutor.release"
# The tutor's helper processes run the tutor's own code, never a `tutor/` package that
# happens to lie in the folder the learner started it from: `-P` keeps the working folder
# off sys.path (and PYTHONPATH names the tutor's own folder only, see `probe_environment`).
ISOLATED = ("-P",)


def sandbox_environment(sandbox: Path) -> dict[str, str]:
    """The environment every Python process that works on the sandbox runs with.

    No bytecode is written: a learner can edit `models.py` twice within one second without an
    old `.pyc` ever hiding the newer source from Django.
    """
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONPATH", None)
    return env


def read_state(sandbox: Path, python: str | None = None, *,
               fresh_build: bool = False, releases: list[dict] = ()) -> SandboxState:
    """Read the sandbox's state in a fresh process, so that it sees the latest files; the
    lesson's `releases` (requests, see `release.py`) run beside it, each in a process too."""
    import subprocess

    def probe() -> SandboxState:
        completed = subprocess.run(
            [python or sys.executable, *ISOLATED, "-m", PROBE_MODULE, str(sandbox)]
            + (["--fresh-build"] if fresh_build else []),
            cwd=sandbox, env=probe_environment(sandbox), capture_output=True, text=True,
            encoding="utf-8", stdin=subprocess.DEVNULL,
        )
        lines = completed.stdout.strip().splitlines()
        return _state_from_answer(lines[-1] if lines else "", completed.stderr)

    return _beside_releases(sandbox, python or sys.executable, releases, probe)


def _beside_releases(sandbox: Path, python: str, releases: list[dict],
                     read: Callable[[], SandboxState]) -> SandboxState:
    """`read` the state while each release runs in a new Python; their runs join the state
    (and a read that fails still waits for them)."""
    from .state import ReleaseRun

    running = _start_releases(sandbox, python, releases)
    try:
        state = read()
    finally:
        answers = _finish_releases(running)
    state.releases = {answer["name"]: ReleaseRun.from_json(answer) for answer in answers}
    return state


def _start_releases(sandbox: Path, python: str, releases: list[dict]) -> list:
    """Start each release in a new Python (the state is read meanwhile)."""
    import subprocess

    running = []
    for request in releases:
        process = subprocess.Popen(
            [python, *ISOLATED, "-m", RELEASE_MODULE], cwd=sandbox,
            env=probe_environment(sandbox), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, encoding="utf-8")
        running.append((request, process))
    for request, process in running:
        try:
            process.stdin.write(json.dumps(request))
            process.stdin.close()
        except OSError:
            pass
    return running


def _finish_releases(running: list) -> list[dict]:
    from .release import answer_from

    answers = []
    for request, process in running:
        out = process.stdout.read()  # (its standard input was written and closed)
        process.stdout.close()
        process.wait()
        answers.append(answer_from(request, out))
    return answers


def probe_environment(sandbox: Path) -> dict[str, str]:
    env = sandbox_environment(sandbox)  # the learner's PYTHONPATH is dropped there
    # The probe imports the tutor from wherever the tutor itself was imported from.
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    env.pop("PYTHONSTARTUP", None)
    return env


def _state_from_answer(line: str, stderr: str = "") -> SandboxState:
    try:
        result = json.loads(line)
    except ValueError:
        raise StateUnreadable(
            "The tutor's state reader stopped without an answer.",
            advice="Details: " + (stderr.strip()[-800:] or "none"),
        ) from None
    if not result["ok"]:
        raise StateUnreadable.from_json(result["error"])
    return SandboxState.from_json(result["state"])  # with the releases the helper ran


class StateReader:
    """Reads sandbox states for one tutor process, never a stale one, as cheaply as it can.

    Django keeps what it has imported (models, migration modules) for the life of a process,
    so a process can read a sandbox once. The first read of a one-shot command (`tutor
    check`) happens right here, in a process that has not seen the sandbox yet: no second
    Python starts. Later reads, and every read of a long session, go to a *warm* helper: a
    process that has imported Django but never set it up, and forks a fresh child for each
    read, so each read sees the learner's latest files, models and database. Where fork
    does not exist (Windows), each later read starts a fresh process.

    The same helper runs the tutor's own `python manage.py` commands (a solution's, a
    lesson's start): each in a forked child that is a new `python` but for the time it
    saves importing it and Django.
    """

    def __init__(self, python: str | None = None, in_process: bool = True):
        self.python = python or sys.executable
        self.in_process = in_process and self.python == sys.executable
        self._warm: subprocess.Popen | None = None

    def read(self, sandbox: Path, *, fresh_build: bool = False,
             releases: list[dict] = ()) -> SandboxState:
        """`fresh_build`: also apply the migration files to an empty database (see
        `FreshBuild`); it costs a migrate, so only checks that need it ask. `releases`: the
        lesson's releases to run against their databases (requests, see `release.py`), each
        in a process of its own, while the state is read."""
        global _read_here
        releases = list(releases)
        if self.in_process and not _read_here:
            _read_here = True
            return _beside_releases(sandbox, self.python, releases,
                                    lambda: _read_in_this_process(sandbox, fresh_build))
        if hasattr(os, "fork"):
            line = self._ask(sandbox, {"fresh_build": fresh_build, "releases": releases})
            if line:
                return _state_from_answer(line)
        return read_state(sandbox, self.python, fresh_build=fresh_build, releases=releases)

    def manage(self, sandbox: Path, args: list[str]) -> "subprocess.CompletedProcess | None":
        """Run `python manage.py ARGS` in the sandbox through the warm helper; None where it
        cannot (no fork, or a helper that will not answer): then run a new `python`."""
        import subprocess

        if not hasattr(os, "fork") or self.python != sys.executable:
            return None
        line = self._ask(sandbox, {"manage": list(args)})
        try:
            answer = json.loads(line)
            return subprocess.CompletedProcess(["manage.py", *args], int(answer["status"]),
                                               answer["stdout"], answer["stderr"])
        except (ValueError, KeyError, TypeError):
            return None

    def _ask(self, sandbox: Path, request: dict) -> str:
        """One request to the warm helper, started (again) as needed; "" if none answers."""
        import subprocess

        line = json.dumps({"sandbox": str(sandbox), **request})
        for _ in range(2):  # a warm helper that died (killed, crashed) is started again
            if self._warm is None or self._warm.poll() is not None:
                self._warm = subprocess.Popen(
                    [self.python, *ISOLATED, "-m", HELPER_MODULE],
                    env=probe_environment(sandbox), stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                    encoding="utf-8", start_new_session=True,
                )
            try:
                self._warm.stdin.write(line + "\n")
                self._warm.stdin.flush()
                answer = self._warm.stdout.readline()
            except (BrokenPipeError, OSError):
                answer = ""
            except KeyboardInterrupt:
                # Ctrl-C reaches the terminal's foreground processes, not the helper (a
                # session of its own): stop it, and the command it runs, here.
                self.close()
                raise
            if answer:
                return answer
            self.close()
        return ""

    def close(self) -> None:
        """Stop the helper and whatever it is running (its children share its process
        group: it was started in a session of its own)."""
        if self._warm is not None:
            try:
                os.killpg(self._warm.pid, signal.SIGKILL)
            except (AttributeError, OSError):  # no process groups (Windows), or gone
                self._warm.kill()
            self._warm.wait()
            self._warm = None


_read_here = False  # this process has set Django up for a sandbox: it cannot read another
_shared: StateReader | None = None


def shared_reader() -> StateReader:
    """The process's own reader: one warm helper serves every sandbox the process reads."""
    global _shared
    if _shared is None:
        _shared = StateReader()
    return _shared


def _read_in_this_process(sandbox: Path, fresh_build: bool) -> SandboxState:
    import contextlib

    from .probe import probe

    sandbox = sandbox.resolve()
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(sandbox))
    for name, value in sandbox_environment(sandbox).items():
        if name in ("DJANGO_SETTINGS_MODULE", "PYTHONDONTWRITEBYTECODE"):
            os.environ[name] = value
    # The learner's code may print: keep stdout for the tutor's own (JSON) output.
    with contextlib.redirect_stdout(sys.stderr):
        answer = probe(sandbox, fresh_build)
    return _state_from_answer(json.dumps(answer))
