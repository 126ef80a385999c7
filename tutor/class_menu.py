"""The class's part of the session's menu (`tutor start --class`): the room's step, offered
when the learner is behind it, and the hand to raise or lower. It asks and says through `ui`
and keeps the class's files through `classroom/link.py`; the session (`session.py`) decides
where to go. Outside a class it offers nothing (and imports no more of the class than
`classroom/telling.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import asking, ui
from .markup import printable

if TYPE_CHECKING:
    from .lessons import Lesson
    from .workspace import Workspace

ROOM = "room"
RAISE_HAND = ("hand", "I'm stuck: raise my hand")
LOWER_HAND = ("lower", "Lower my hand")
HAND = (RAISE_HAND[0], LOWER_HAND[0])


class ClassMenu:
    """The session's class choices for one workspace, and what each does: the room's step
    said once and then offered at the top of the menu, and the learner's hand."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace

    def room_offer(self, lesson: Lesson, index: int) -> dict | None:
        """The room's step when the learner (at step `index` of `lesson`, from 0) is behind
        it; None when they are not, or in no class."""
        from .classroom.telling import in_class

        if not in_class(self.workspace.home):
            return None
        from .classroom.link import room_offer

        return room_offer(self.workspace.home, self.workspace.course, lesson.id, index + 1)

    def choices(self, lesson: Lesson, index: int) -> list[tuple[str, str]]:
        """In a class: the room's step when the learner is behind it (said once, then
        offered at the top of the menu), and the hand to raise or lower."""
        from .classroom.telling import in_class

        home = self.workspace.home
        if not in_class(home):
            return []
        from .classroom import link

        choices = []
        target = self.room_offer(lesson, index)
        if target is not None:
            where = f"{target['lesson']}, step {target['step']}"
            if link.mark_room_seen(home, target["seq"]):
                title = printable(str(target.get("title") or ""))[:200]
                ui.say(f"[bold magenta]The instructor has moved the room to {ui.literal(where)}"
                       f"[/bold magenta]: {ui.literal(title)}")
            choices.append((ROOM, f"Go to the room's step: {where}"
                                  + (" (the steps before it fast-forwarded)"
                                     if target["step"] > 1 else "")))
        choices.append(LOWER_HAND if link.hand_is_up(home) else RAISE_HAND)
        return choices

    def go_to_room(self, lesson: Lesson, index: int) -> tuple[Lesson, int] | None:
        """The room's step, once the learner agrees to rebuild the sandbox there: the lesson
        and step (from 1) the session opens next; None to stay."""
        target = self.room_offer(lesson, index)
        if target is not None and asking.ask_confirm(
                f"Rebuild the sandbox at {target['lesson']}, step {target['step']}? "
                "The sandbox as it is now is not kept (your progress is)."):
            return self.workspace.course.get(target["lesson"]), target["step"]
        return None

    def raise_hand(self, raised: bool) -> None:
        """Raise (with an optional line on what the learner is stuck on) or lower the hand,
        and tell the class."""
        from .classroom import link

        message = ""
        if raised:
            message = asking.ask_text("What are you stuck on? (one line, optional; Enter to skip)")
        link.set_hand(self.workspace.home, raised)
        self.workspace.tell_class("hand", {"raised": raised, "message": " ".join(
            message.split())[:200]})
        reached = link.status(self.workspace.home).get("error") is None
        if not raised:
            ui.say("Your hand is down.")
        elif reached:
            ui.say("Your hand is up: the instructor's dashboard shows it.")
        else:  # (the class is away just now: the sender says so in the status)
            ui.say("Your hand is up. The class cannot be reached just now: the dashboard "
                   "shows it as soon as your tutor gets through.")
