"""Running in the sandbox: `manage.py` and `git` with the sandbox's environment, the `python`
put on the learner's PATH (one that has Django), and a reference solution's actions. An
action edits or deletes only inside the sandbox, never through a link out of it."""

from __future__ import annotations

import os
import shlex
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..exceptions import ToolMissing, TutorError, UnsafeHome
from ..home_layout import BIN
from ..lessons import SolutionAction, is_within
from ..reader import StateReader, sandbox_environment

if TYPE_CHECKING:
    import subprocess


def run_manage(folder: Path, args: list[str], python: str, *,
               capture: bool) -> "subprocess.CompletedProcess":
    """Run `python manage.py ARGS` in `folder` with the sandbox's environment."""
    import subprocess

    try:
        return subprocess.run(
            [python, "manage.py", *args], cwd=folder, env=sandbox_environment(folder),
            capture_output=capture, text=True, encoding="utf-8", errors="replace",
            stdin=subprocess.DEVNULL,
        )
    except OSError as error:
        raise TutorError(f"Could not run {python}: {error}",
                         "Reinstall the tutor so that its Python has Django.") from None


def manage(reader: StateReader, folder: Path, args: list[str]) -> "subprocess.CompletedProcess":
    """`python manage.py ARGS` in `folder`, output captured: through the reader's warm helper
    where it can (a fork, not a new Python), else a new process."""
    completed = reader.manage(folder, args)
    return completed if completed is not None else run_manage(folder, args, sys.executable,
                                                              capture=True)


def run_git(folder: Path, args: list[str]) -> "subprocess.CompletedProcess":
    """Run `git ARGS` in the sandbox: its own repository, whatever the learner's settings."""
    import subprocess

    env = sandbox_environment(folder)
    # The learner's own git settings (hooks, signing, templates) must not change a build.
    env.update(GIT_TERMINAL_PROMPT="0", GIT_EDITOR="true", GIT_PAGER="cat",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    try:
        return subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True,
                              text=True, encoding="utf-8", errors="replace",
                              stdin=subprocess.DEVNULL)
    except OSError as error:
        raise ToolMissing("git", str(error)) from None


def shim_folder(home: Path) -> Path:
    """The folder of the `python` that runs the tutor's own interpreter, which has Django. It
    goes on the learner's PATH, where a folder whose path holds the PATH separator (`:`)
    would name two folders, neither of them this: then it is one of the tutor's own in the
    temporary folder, named after the home."""
    own = home / BIN
    if os.pathsep not in str(own):
        return own
    import hashlib
    import tempfile

    digest = hashlib.sha256(str(home).encode("utf-8", "surrogatepass")).hexdigest()
    user = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"migration-tutor-{user}-{digest[:16]}" / BIN


def write_python_shim(home: Path) -> None:
    """Put a `python` (and `python3`) on the learner's PATH (`shim_folder`) that runs the
    tutor's own interpreter. What goes on the PATH is the learner's alone: a folder in the
    shared temporary folder is made private and must be theirs, and a shim is written anew,
    never through a link."""
    bin_dir, python = shim_folder(home), sys.executable
    if os.name == "nt":
        bin_dir.mkdir(parents=True, exist_ok=True)
        for name in ("python.bat", "python3.bat"):
            (bin_dir / name).write_text(f'@"{python}" %*\r\n', encoding="utf-8")
        return
    if not bin_dir.is_relative_to(home):
        _private_folder(bin_dir.parent)
    bin_dir.mkdir(mode=0o700, exist_ok=True)
    for name in ("python", "python3"):
        shim = bin_dir / name
        shim.unlink(missing_ok=True)
        handle = os.open(shim, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                         | getattr(os, "O_NOFOLLOW", 0), 0o755)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(f"#!/bin/sh\nexec {shlex.quote(python)} \"$@\"\n")


def _private_folder(folder: Path) -> None:
    """Make `folder` (in a place every user may write) the learner's own, or refuse it: a
    folder someone else made, or a link, could put their program on the learner's PATH."""
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    found = os.lstat(folder)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() \
            or found.st_mode & 0o022:
        raise UnsafeHome(f"{folder} is not a folder of yours alone (a link, or another "
                         "user's), so the tutor will not put its python there.",
                         "Delete it if it is yours, or choose a --home whose path has no "
                         f"{os.pathsep!r}.")
    if found.st_mode & 0o077:
        folder.chmod(0o700)


def learner_environment(sandbox: Path, bin_dir: Path) -> dict[str, str]:
    """The environment of a command the learner runs in the sandbox: the shim's folder first
    on PATH, the sandbox named in TUTOR_SANDBOX."""
    env = sandbox_environment(sandbox)
    env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")
    env["TUTOR_SANDBOX"] = str(sandbox)
    return env


def perform(action: SolutionAction, sandbox: Path,
            manage: Callable[[Path, list[str]], "subprocess.CompletedProcess"]
            ) -> tuple[int, str]:
    """Carry out one action of a reference solution (or of a lesson's start) in `sandbox`,
    `manage` running its `python manage.py` commands; returns its status and output."""
    if action.run:
        if action.is_git:
            completed = run_git(sandbox, shlex.split(action.run)[1:])
        else:
            args = shlex.split(action.run)[2:]  # drop "python manage.py"
            completed = manage(sandbox, args)
        return completed.returncode, completed.stdout + completed.stderr
    # Inside the sandbox only, also where a link in it leads elsewhere: a link itself
    # may be deleted (that changes nothing outside), not followed.
    if action.delete:
        target = sandbox / action.delete
        if not is_within(target.parent, sandbox):
            return 1, f"{action.delete} is outside the sandbox: the tutor leaves it alone.\n"
        if not (target.exists() or target.is_symlink()):
            return 1, f"{action.delete} does not exist.\n"
        if target.is_dir() and not target.is_symlink():
            return 1, f"{action.delete} is a folder, not a file.\n"
        target.unlink()
        return 0, ""
    target = sandbox / action.edit
    if not is_within(target, sandbox):
        return 1, f"{action.edit} is outside the sandbox: the tutor leaves it alone.\n"
    if not target.is_file():
        return 1, f"{action.edit} does not exist.\n"
    text = target.read_text(encoding="utf-8")
    if action.replace not in text:
        return 1, f"{action.edit} does not contain {action.replace!r}.\n"
    target.write_text(text.replace(action.replace, action.with_text, 1), encoding="utf-8")
    return 0, ""
