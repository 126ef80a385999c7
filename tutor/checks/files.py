"""The judges of the sandbox's files beyond migrations: a file there (with a text), no file
holding a text, and the git branch checked out.
"""

from __future__ import annotations

from ..course.model import Expectation
from ..course.resources import is_within
from ..markup import listed
from ..state import SandboxState
from .outcome import Context, Finding


def _no_file_contains(e: Expectation, state: SandboxState, context: Context) -> Finding:
    under = e.option("under")
    needle = e.subject
    sandbox = context.sandbox
    hits = []
    for path in sorted((sandbox / under).rglob("*.py")):
        if "__pycache__" in path.parts or not is_within(path, sandbox):
            continue
        if needle in path.read_text(encoding="utf-8", errors="replace"):
            hits.append(str(path.relative_to(sandbox)))
    text = f"no file under {under}/ contains {needle!r}"
    verb = "contains" if len(hits) == 1 else "contain"
    return text, not hits, f"{listed(hits)} still {verb} {needle!r}."


def _file(e: Expectation, state: SandboxState, context: Context) -> Finding:
    path = context.sandbox / e.subject
    if not is_within(path.parent, context.sandbox):
        return f"file {e.subject} is as the step says", False, \
            f"{e.subject} is outside the sandbox: the tutor reads no file there."
    want = e.option("exists")
    if not want:
        return f"there is no file {e.subject}", not path.exists(), f"{e.subject} is still there."
    needle = e.options.get("contains")
    text = f"file {e.subject} exists" + (f" and contains {needle!r}" if needle else "")
    if not path.is_file():
        return text, False, f"there is no file {e.subject}."
    if needle and (not is_within(path, context.sandbox)
                   or needle not in path.read_text(encoding="utf-8", errors="replace")):
        return text, False, f"{e.subject} does not contain {needle!r}."
    return text, True, ""


def _branch(e: Expectation, state: SandboxState, context: Context) -> Finding:
    text = f"the sandbox's git repository is on branch {e.subject}"
    if not state.git_branch:
        return text, False, "the sandbox is not a git repository."
    return text, state.git_branch == e.subject, f"it is on {state.git_branch}."


JUDGES = {
    "no_file_contains": _no_file_contains,
    "file": _file,
    "branch": _branch,
}
