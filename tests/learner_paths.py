"""Learner paths as data: what a learner does in a lesson, and what the tutor must say.

A path file (tests/paths/<lesson>/<name>.toml) starts from a step of a lesson (the home is
reached with the reference solutions of the steps before it, built once per test session and
copied), runs real commands in the sandbox, answers questions, and checks: each check says
which steps pass, where the learner is, and fragments of what the tutor says (or must never
say). The format is in tests/paths/README.md. Everything is judged by the real tutor against
the real sandbox; only the CLI's argument parsing is not in the way.
"""

from __future__ import annotations

import contextlib
import io
import shlex
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tutor import ui
from tutor.reader import StateReader
from tutor.workspace import Workspace

ACTION_KEYS = {"run", "delete", "edit", "write", "answer", "check", "undo", "reset"}


@dataclass(frozen=True)
class Action:
    data: dict
    where: str

    @property
    def kind(self) -> str:
        kinds = [key for key in self.data if key in ACTION_KEYS]
        assert len(kinds) == 1, f"{self.where}: one of {sorted(ACTION_KEYS)} per action"
        return kinds[0]


@dataclass(frozen=True)
class LearnerPath:
    file: Path
    lesson: str
    from_step: int
    summary: str
    actions: list[Action] = field(default_factory=list)
    backend: str = "sqlite"  # where the sandbox's database is: "postgresql", "mysql" a server

    @classmethod
    def load(cls, file: Path) -> "LearnerPath":
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        unknown = set(data) - {"lesson", "from_step", "summary", "actions", "backend"}
        assert not unknown, f"{file.name}: unknown fields {sorted(unknown)}"
        assert data.get("summary"), f"{file.name}: say what the path is about in `summary`"
        actions = [Action(a, f"{file.name}: actions[{i}]") for i, a in enumerate(data["actions"])]
        assert any(a.kind in ("check", "answer") for a in actions), \
            f"{file.name}: a path that never checks proves nothing"
        backend = data.get("backend", "sqlite")
        assert backend in ("sqlite", "postgresql", "mysql"), f"{file.name}: backend {backend!r}"
        return cls(file, data["lesson"], data.get("from_step", 1), data["summary"], actions,
                   backend)


def said(show, *args, **kwargs) -> str:
    """What a `ui.show_*` function prints, as the learner reads it (plain text)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        show(*args, **kwargs)
    return out.getvalue()


def run_in_sandbox(home: Path, command: str,
                   reader: StateReader | None = None) -> subprocess.CompletedProcess:
    """A command as the learner types it in `tutor shell`: a real shell in the sandbox, with
    the sandbox's `python`. Each plain `python manage.py ARGS` (alone, or in a chain of
    `&&`) goes to the warm helper instead: the real manage.py, in a forked Python that has
    Django imported already, a new process's worth of isolation for a third of its time."""
    parts = _and_chain(command) if reader is not None else None
    if parts is None:
        return _shell(home, command)
    stdout = stderr = ""
    for part in parts:
        words = shlex.split(part)
        result = None
        if words[:2] in (["python", "manage.py"], ["python3", "manage.py"]):
            result = reader.manage(home / "sandbox", words[2:])
        result = result or _shell(home, part)
        stdout, stderr = stdout + result.stdout, stderr + result.stderr
        if result.returncode != 0:
            break
    return subprocess.CompletedProcess(command, result.returncode, stdout, stderr)


def _and_chain(command: str) -> list[str] | None:
    """`A && B && C` as its parts, when the command uses no other shell syntax outside
    quotes (pipes, redirections, globs, variables: those go to a real shell whole)."""
    if "$" in command or "`" in command:  # expanded even inside double quotes
        return None
    parts, current, quote, i = [], "", "", 0
    while i < len(command):
        char = command[i]
        if quote:
            if char == "\\" and quote == '"' and i + 1 < len(command):
                current += command[i:i + 2]
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif command.startswith("&&", i):
            parts.append(current.strip())
            current, i = "", i + 2
            continue
        elif char in "&|;<>()$`*?~\\\n#":
            return None
        current += char
        i += 1
    if quote:
        return None
    parts.append(current.strip())
    return parts if all(parts) else None


def _shell(home: Path, command: str) -> subprocess.CompletedProcess:
    workspace = Workspace(home)
    workspace.sandbox.write_python_shim()
    return subprocess.run(command, shell=True, cwd=workspace.sandbox.path,
                          env=workspace.sandbox.learner_environment(), capture_output=True,
                          text=True, encoding="utf-8", errors="replace",
                          stdin=subprocess.DEVNULL, timeout=180)


def play(path: LearnerPath, home: Path, reader: StateReader) -> None:
    """Carry out the path's actions in `home`; every expectation of the path is asserted."""
    sandbox = home / "sandbox"
    for action in path.actions:
        data, where = action.data, action.where
        kind = action.kind
        if kind == "run":
            result = run_in_sandbox(home, data["run"], reader)
            if "status" in data:
                assert result.returncode == data["status"], (
                    f"{where}: `{data['run']}` exited {result.returncode}\n"
                    f"{result.stdout}{result.stderr}")
            for fragment in data.get("prints", []):
                assert fragment in result.stdout + result.stderr, (
                    f"{where}: `{data['run']}` did not print {fragment!r}\n"
                    f"{result.stdout}{result.stderr}")
        elif kind == "delete":
            target = sandbox / data["delete"]
            assert target.exists(), f"{where}: there is no {data['delete']} to delete"
            target.unlink()
        elif kind == "edit":
            target = sandbox / data["edit"]
            text = target.read_text(encoding="utf-8")
            assert data["replace"] in text, f"{where}: {data['edit']} lacks {data['replace']!r}"
            target.write_text(text.replace(data["replace"], data["with"], 1), encoding="utf-8")
        elif kind == "write":
            target = sandbox / data["write"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(data["text"], encoding="utf-8")
        elif kind == "undo":  # `tutor undo N`: the way back the tutor's messages name
            done = Workspace(home, reader=reader).undo(int(data["undo"])).done
            assert done.points, f"{where}: nothing was undone"
        elif kind == "reset":  # `tutor reset LESSON --step N`
            workspace = Workspace(home, reader=reader)
            workspace.reset(workspace.course.get(path.lesson), step=int(data["reset"]))
        elif kind == "answer":
            workspace = Workspace(home, reader=reader)
            index = workspace.current_step()[1]
            before = workspace.progress.record(path.lesson, index).answers
            report = workspace.answer(list(data["answer"]))
            text = said(ui.show_answer, report)
            if "right" in data:
                assert report.right == data["right"], f"{where}: the answer was judged " \
                    f"{'right' if report.right else 'wrong'}:\n{text}"
            if report.check is not None:
                _verdict(data, report.check, where, text)
            _fragments(data, text, where)
            if "counted" in data:  # whether the answer counts as an attempt in the report
                after = Workspace(home).progress.record(path.lesson, index).answers
                assert (after == before + 1) == data["counted"], f"{where}: answers {before} " \
                    f"-> {after}"
        else:
            workspace = Workspace(home, reader=reader)
            report = workspace.check()
            text = said(ui.show_check, report)
            verdict = data["check"]
            assert verdict in ("passes", "fails"), f"{where}: check is 'passes' or 'fails'"
            assert report.passed == (verdict == "passes"), \
                f"{where}: expected the check to {verdict[:-2]}, it said:\n{text}"
            _verdict(data, report, where, text)
            _fragments(data, text, where)


def _verdict(data: dict, report, where: str, text: str) -> None:
    if "passed" in data:
        assert [i + 1 for i in report.passed_steps] == data["passed"], \
            f"{where}: steps passed {[i + 1 for i in report.passed_steps]}, not " \
            f"{data['passed']}:\n{text}"
    if "step" in data:
        assert report.step_index + 1 == data["step"] and not report.lesson_complete, \
            f"{where}: at step {report.step_index + 1} (complete: {report.lesson_complete}), " \
            f"not {data['step']}:\n{text}"
    if "complete" in data:
        assert report.lesson_complete == data["complete"], f"{where}:\n{text}"
    if "broken_since" in data:
        assert report.broken_since == data["broken_since"], f"{where}:\n{text}"


def _fragments(data: dict, text: str, where: str) -> None:
    flat = " ".join(text.split())
    for fragment in data.get("says", []):
        assert " ".join(fragment.split()) in flat, f"{where}: never said {fragment!r}:\n{text}"
    for fragment in data.get("never_says", []):
        assert " ".join(fragment.split()) not in flat, f"{where}: said {fragment!r}:\n{text}"
