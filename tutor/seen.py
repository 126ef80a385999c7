"""The states the current lesson's steps have seen, kept beside the progress file: the state
each step began in, and the last one in which each step's goal held. A question about "the
state after the failed migrate" is judged against them, not against wherever the learner has
gone since. The file belongs to one build of one lesson's sandbox: a reset starts it afresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .files import write_atomically
from .home_layout import STEPS_SEEN
from .listeners import Checked, Listener, Reset
from .state import SandboxState

FORMAT = 1


@dataclass
class StepStates:
    """The states the lesson's steps have seen (by step index, from 0): the one each step
    began in, and the last one in which each step's own expectations held. Questions are
    judged against them, not only against the live state."""

    began: dict[int, SandboxState] = field(default_factory=dict)
    held: dict[int, SandboxState] = field(default_factory=dict)
    # The releases the tutor saw broken at a check while the learner was on each step:
    # release name -> what failed, the first time (a step's report says so when it passes).
    broke: dict[int, dict[str, str]] = field(default_factory=dict)

    def saw_broken(self, index: int, release: str, failure: str) -> bool:
        """Note a release seen broken at step `index`; whether that is news."""
        seen = self.broke.setdefault(index, {})
        if release in seen:
            return False
        seen[release] = failure
        return True


class SeenFile(Listener):
    """The seen states' file; a listener of the service (`listeners.py`): a check that
    passes a step notes the state the next one begins in, and the goals that held."""

    def __init__(self, home: Path):
        self.path = home / STEPS_SEEN

    def load(self, lesson_id: str) -> StepStates:
        """The states seen in `lesson_id`'s sandbox; none for another lesson's, or a file that
        cannot be read (it only ever helps to judge a question)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("lesson") != lesson_id:
                return StepStates()
            return StepStates(
                began={int(i): SandboxState.from_json(s) for i, s in data["began"].items()},
                held={int(i): SandboxState.from_json(s) for i, s in data["held"].items()},
                broke={int(i): {str(name): str(failure) for name, failure in releases.items()}
                       for i, releases in data.get("broke", {}).items()},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return StepStates()

    def save(self, lesson_id: str, states: StepStates) -> None:
        data = {"format": FORMAT, "lesson": lesson_id,
                "began": {str(i): s.to_json() for i, s in states.began.items()},
                "held": {str(i): s.to_json() for i, s in states.held.items()},
                "broke": {str(i): releases for i, releases in states.broke.items()}}
        try:
            write_atomically(self.path, json.dumps(data), durable=False)
        except OSError:
            pass  # without it a question is judged against the live state: still usable

    def forget(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    # --- what the service tells ---------------------------------------------------------

    def checked(self, checked: Checked) -> None:
        report, seen = checked.report, checked.seen
        verdict = report.verdict
        if verdict.passed_steps and not verdict.lesson_complete:
            seen.began[verdict.step_index] = report.state
        for index in verdict.held:
            seen.held[index] = report.state
        if verdict.passed_steps or verdict.held or checked.noticed:
            self.save(report.lesson.id, seen)

    def reset_built(self, reset: Reset) -> None:
        self.forget()  # the states seen were another build's
