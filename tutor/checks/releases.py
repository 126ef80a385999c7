"""The judges of releases: the shop's code, run against its database, works (and knows the
fields, and has the files, a step asks for); the tutor never saw it broken.
"""

from __future__ import annotations

from ..course.model import Expectation
from ..markup import listed
from ..state import ReleaseRun, SandboxState
from .outcome import Context, Finding


def _release_works(e: Expectation, state: SandboxState, context: Context) -> Finding:
    run = state.releases.get(e.subject)
    knows = list(e.options.get("knows", []))
    if run is None:
        return (f"release {e.subject} works", False,
                f"Release {e.subject} was not run when this state was read.")
    text = f"{release_name(run)} works on {run.database}"
    if run.does:
        text += f" (it {listed(list(run.does))})"
    if knows:
        text += f", and its models have {listed(knows)}"
    if e.options.get("has_files"):
        text += f", and it has the file of every migration {run.database} has applied"
    problems = release_failures(run)
    lacking = [field for field in knows if field not in run.fields]
    if lacking and run.fields:
        problems.append(f"its models have no {listed(lacking)} (they have "
                        f"{listed(list(run.fields))})")
    if e.options.get("has_files") and run.missing_files:
        problems.append(f"it has no file of {listed(list(run.missing_files))}, which "
                        f"{run.database} has applied: its next `migrate` would find "
                        f"{'it' if len(run.missing_files) == 1 else 'them'} orphaned")
    if not problems:
        return text, True, ""
    detail = "; ".join(problems) + "."
    return text, False, detail[0].upper() + detail[1:]


def _release_never_broke(e: Expectation, state: SandboxState, context: Context) -> Finding:
    """A condition of what the tutor saw: no check of the lesson, up to the step explained,
    found the release broken."""
    text = f"the tutor never saw release {e.subject} broken"
    failure = context.broke_during.get(e.subject)
    return text, failure is None, f"it saw {failure}." if failure else ""


def release_name(run: ReleaseRun) -> str:
    """"release 1.4", or for the code a git branch holds, "the code on branch production"."""
    return f"the code on branch {run.ref}" if run.ref else f"release {run.name}"


def release_failures(run: ReleaseRun) -> list[str]:
    """What went wrong when the release ran, in Django's words: "its insert failed: NOT NULL
    constraint failed: store_product.discount"."""
    said = {"database": "cannot reach its database", "start": "cannot start"}
    return [f"it {said[action]}: {error}" if action in said else f"its {action} failed: {error}"
            for action, error in run.failures]


JUDGES = {
    "release_works": _release_works,
    "release_never_broke": _release_never_broke,
}
