"""Inside `tutor shell`, a point of the timeline after each command the learner types, named
after it, so that `tutor undo` takes back one shell command at a time (see `history.py`).

Bash runs it before each prompt (`PROMPT_COMMAND`, added by the rc file `tutor shell` starts
bash with, after the learner's own ~/.bashrc): `python -m tutor.shell_hook HOME "$(history
1)"`; zsh likewise as a precmd (from a ZDOTDIR of the tutor's that reads the learner's own
files first); a command the shell keeps out of its history is said as a change made outside
the tutor's commands.
It is quick and silent, and never stops the shell: whatever goes wrong, the worst is a
point not taken (a check still takes one). Other shells get the point taken as the shell
opens (fish and others), and one at each check.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from .home_layout import SANDBOX, SHELL, SHELL_BASHRC, SHELL_ZSH

_NUMBERED = re.compile(r"^\s*\d+\*?\s+")  # `history 1` prints "  42  the command"


def _own_python_first(bin_dir: Path | None) -> str:
    """The lines that put the tutor's `python` (with Django) first on PATH again, after the
    learner's own rc files (pyenv, conda or an activated venv put theirs first)."""
    if bin_dir is None:
        return ""
    return (f'PATH={shlex.quote(str(bin_dir))}:"$PATH"\n'
            "hash -r 2>/dev/null\n")


def rc_file(home: Path, python: str, bin_dir: Path | None = None) -> Path:
    """The rc file bash is started with: the learner's own ~/.bashrc, then the tutor's
    `python` first on PATH, then the hook."""
    folder = home / SHELL
    folder.mkdir(parents=True, exist_ok=True)
    hook = (f"{shlex.quote(python)} -m tutor.shell_hook {shlex.quote(str(home))} $$ "
            '"$(HISTTIMEFORMAT= builtin history 1)"')
    rc = folder / SHELL_BASHRC
    rc.write_text(
        "# Written by `tutor shell`: your own ~/.bashrc, then the tutor's python first (it has\n"
        "# Django), then a point of the tutor's timeline after each command (so that `tutor\n"
        "# undo` can take it back).\n"
        '[ -f ~/.bashrc ] && . ~/.bashrc\n'
        + _own_python_first(bin_dir)
        + f"__tutor_point() {{ {hook} 2>/dev/null; }}\n"
        'PROMPT_COMMAND="__tutor_point${PROMPT_COMMAND:+; $PROMPT_COMMAND}"\n',
        encoding="utf-8")
    return rc


def zsh_folder(home: Path, python: str, bin_dir: Path | None = None) -> Path:
    """The ZDOTDIR zsh is started with: its files read the learner's own (~/.zshenv, then
    ~/.zshrc, with ZDOTDIR set back to their home), put the tutor's `python` first again,
    then add the hook as a precmd."""
    folder = home / SHELL / SHELL_ZSH
    folder.mkdir(parents=True, exist_ok=True)
    hook = (f"{shlex.quote(python)} -m tutor.shell_hook {shlex.quote(str(home))} $$ "
            '"$HISTCMD  $(fc -ln -1 2>/dev/null)"')
    (folder / ".zshenv").write_text(
        "# Written by `tutor shell`: your own ~/.zshenv first.\n"
        '[ -f "$HOME/.zshenv" ] && . "$HOME/.zshenv"\n', encoding="utf-8")
    (folder / ".zshrc").write_text(
        "# Written by `tutor shell`: your own ~/.zshrc, then the tutor's python first (it has\n"
        "# Django), then a point of the tutor's timeline after each command (so that `tutor\n"
        "# undo` can take it back).\n"
        'ZDOTDIR="$HOME"\n'
        '[ -f "$HOME/.zshrc" ] && . "$HOME/.zshrc"\n'
        + _own_python_first(bin_dir)
        + f"__tutor_point() {{ {hook} 2>/dev/null; }}\n"
        "precmd_functions+=(__tutor_point)\n", encoding="utf-8")
    return folder


def record(home: Path, shell: str, typed: str) -> None:
    from .history import History
    from .lock import home_lock
    from .progress import ProgressFile

    did = _command(home, shell, typed)
    sandbox = home / SANDBOX
    try:
        from .files import read_json

        marker = read_json(sandbox / ".tutor-sandbox")
    except (OSError, ValueError):
        return
    if not isinstance(marker, dict) or (marker.get("backend") or "sqlite") != "sqlite":
        return  # on a server, undo is not offered (see Workspace.undo)
    with home_lock(home):
        progress = ProgressFile(home).load()
        lesson = marker.get("lesson")
        step = progress.lessons[lesson].step if lesson in progress.lessons else 0
        History(home, sandbox).record(did, step)


def _command(home: Path, shell: str, typed: str) -> str:
    """The command just run, from `history 1`: only when bash's history has a new entry
    since the last prompt ("" at the shell's first prompt, whose entry is an older session's,
    and after a command bash kept out of its history, a ` command` or a repeat)."""
    line = typed.strip().splitlines()[0] if typed.strip() else ""
    number = re.match(r"\s*(\d+)", line)
    seen = home / SHELL / f"seen-{shell if shell.isdigit() else 'shell'}"
    try:
        before = seen.read_text(encoding="utf-8")
    except OSError:
        before = None
    now = number.group(1) if number else ""
    try:
        seen.write_text(now, encoding="utf-8")
    except OSError:
        pass
    if before is None or not now or now == before:
        return ""
    return _NUMBERED.sub("", line)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        return 2
    try:
        record(Path(argv[0]), argv[1], argv[2])
    except Exception:  # never the shell's problem
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
