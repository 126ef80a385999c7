"""What the service tells the stores that record a learner's work, and the shape of a store
that listens.

The service (`workspace.py`) reads and judges; it then hands each listener one event per
thing it did: a check (`Checked`), a reset (`Reset`, once the sandbox is built and once the
learner stands at the step asked for; the caller gets the same `Reset` back). Each listener
records the event in its own file (the seen states, the journal, the timeline) and never
calls back into the service: what it needs is in the event. A listener that has nothing to
do with an event leaves it alone. The class hears through `classroom.telling.ClassTeller`
once the home's lock is let go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .check_report import CheckReport
    from .lessons import Lesson
    from .seen import StepStates
    from .state import SandboxState


@dataclass(frozen=True)
class Checked:
    """One check, judged: its report (verdict, state, what changed), what led to it, and
    where it left the learner."""

    report: CheckReport
    did: str          # the command that led here; "" for work the tutor did not run
    step: int         # the learner's step index once the check is recorded
    seen: StepStates  # the states the lesson's steps have seen, as the check found them
    noticed: bool     # the check found a release newly broken (the seen states changed)
    # The question and the right answer that led to this check (None: no answer did).
    answered: tuple[str, list[str]] | None = None
    # A check of a fast-forward's reference solution: not the learner's work (the journal
    # and the timeline begin where the fast-forward ends).
    fast_forward: bool = False


@dataclass(frozen=True)
class Reset:
    """A reset of `lesson` to `step` (from 1), as the listeners hear it and the caller gets
    it back: `label` is the command as the learner would type it; `reached` is the state a
    fast-forward left (None: the lesson's start); `notes`, what the build has to tell (the
    databases of a server the sandbox has left)."""

    lesson: Lesson
    step: int
    label: str
    reached: SandboxState | None = None
    notes: tuple[str, ...] = ()


class Listener:
    """A store that records what the service did. Each method hears one event; the default
    is to leave it alone."""

    def checked(self, checked: Checked) -> None:
        """A check was judged and progress recorded."""

    def reset_built(self, reset: Reset) -> None:
        """The lesson's sandbox was built anew: what belonged to the old build goes."""

    def reset_done(self, reset: Reset) -> None:
        """The learner stands at the reset's step (a fast-forward done)."""
