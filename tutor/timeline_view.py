"""What `tutor undo`, `tutor redo` and `tutor history` show: the points taken back or brought
back, what that did to the sandbox's files and state, and the timeline with what a redo can
bring back.

Every path and command shown is data from the sandbox: shown through `literal` (control
characters made visible, never read as markup). Nothing here decides anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import plain
from .markup import literal, say

# A screen's worth: an undo that takes back thousands of files (a folder of generated ones)
# says how many more there are, rather than scrolling the verdict away.
SHOWN_LIMIT = 200

if TYPE_CHECKING:
    from .history import Point, Undo
    from .lessons import Lesson
    from .restores import Undone


def _did(point: Point) -> str:
    from .history import UNNAMED

    return literal(point.did) if point.did else UNNAMED


def show_undone(done: Undone, redo: bool = False) -> None:
    """The points just taken back (newest first), or brought back by a redo (oldest first)."""
    if redo:
        say("[bold]Redone:[/bold]")
        for point in done.points:
            say(f"  {plain.mark('redone')} {_did(point)}")
        return
    say("[bold]Undone:[/bold]")
    for point in reversed(done.points):
        say(f"  {plain.mark('undone')} {_did(point)}")


def show_what_changed(state_changes: list[str], files: list[str], redo: bool = False) -> None:
    """What the undo (or redo) did: to the migrations, schema and rows, then file by file."""
    if not state_changes and not files:
        say("Nothing changed in the files, migrations, schema or rows.", style="dim")
        return
    say("[bold]What changed:[/bold]")
    lines = [*state_changes, *files]
    for line in lines[:SHOWN_LIMIT]:
        say(f"  {plain.mark('bullet')} {literal(line)}")
    if len(lines) > SHOWN_LIMIT:
        say(f"  {plain.mark('bullet')} ...and {len(lines) - SHOWN_LIMIT} more (all are in "
            "`--json`)")
    if files and not redo:
        say("Nothing is lost: `tutor redo` brings the sandbox back as it was before this "
            "undo (until the sandbox changes).", style="dim")


def undone_rows(undos: list[Undo], undone: list[Point], now: Point | None
                ) -> list[tuple[int | None, Point]]:
    """The points undos took back, newest undo first, each with the N of the `tutor redo N`
    that brings it back from `now` (None: no redo can, the sandbox changed since that undo;
    its files stay kept until the timeline drops them)."""
    by_number = {point.number: point for point in undone}
    rows: list[tuple[int | None, Point]] = []
    at = now.number if now is not None else None
    for count, undo in enumerate(reversed(undos), 1):
        reachable = at is not None and undo.target == at
        at = undo.undone[-1] if reachable else None
        for number in reversed(undo.undone):
            if number in by_number:
                rows.append((count if reachable else None, by_number[number]))
    return rows


def show_redoable(lesson: Lesson, rows: list[tuple[int | None, Point]]) -> None:
    """After the timeline: what undos took back, and the `tutor redo` that brings it back."""
    import time

    if not rows:
        return
    say("[bold]Taken back by undo[/bold] (`tutor redo` brings back, until the sandbox "
        "changes after the undo):")
    for count, point in rows:
        when = time.strftime("%H:%M:%S", time.localtime(point.at))
        step = ("lesson done" if point.step >= len(lesson.steps) else f"step {point.step + 1}")
        redo = ("the sandbox changed since: no redo" if count is None
                else "tutor redo" if count == 1 else f"tutor redo {count}")
        say(f"  {when}  {plain.mark('undone')} {_did(point)}  [dim]({step}; {redo})[/dim]")

