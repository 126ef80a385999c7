"""What a check and an answer report: the verdict (`judge.py`), the state it was judged on, where
the migrations stand, what changed since the tutor last saw the sandbox; and their JSON, as
`tutor check --json` and `tutor answer --json` print it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .judge import StepResult, Verdict
from .lessons import Lesson
from .questions import Posed
from .state import ReleaseRun, SandboxState


@dataclass(frozen=True)
class CheckReport:
    lesson: Lesson
    verdict: Verdict
    state: SandboxState
    # When the step did not pass: where the migrations stand relative to its goal.
    where: str = ""
    # What changed since the tutor last saw the sandbox (see `workspace.py`).
    changes: list[str] = field(default_factory=list)

    @property
    def step_index(self) -> int:
        return self.verdict.step_index

    @property
    def result(self) -> StepResult:
        return self.verdict.result

    @property
    def passed_steps(self) -> list[int]:
        return self.verdict.passed_steps

    @property
    def lesson_complete(self) -> bool:
        return self.verdict.lesson_complete

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    @property
    def broken_since(self) -> bool:
        return self.verdict.broken_since

    def explanation(self, index: int) -> str:
        return self.verdict.explanations.get(index, "")

    @property
    def running_release(self) -> ReleaseRun | None:
        """What the release that ran while the learner worked (the release of the step they
        were on when they checked) did with this state; None: the lesson has no release."""
        index = self.passed_steps[0] if self.passed_steps else self.step_index
        release = self.lesson.running_release(index)
        return self.state.releases.get(release.name) if release is not None else None

    def to_json(self) -> dict:
        step = self.lesson.steps[self.step_index]
        return {
            "lesson": self.lesson.id,
            "step": step.title,
            "step_index": self.step_index,
            "steps_total": len(self.lesson.steps),
            "passed": self.passed,
            "passed_steps": self.passed_steps,
            "lesson_complete": self.lesson_complete,
            "broken_since": self.broken_since,
            "expectations": [o.to_json() for o in self.result.outcomes],
            "notes": list(self.state.notes),
            "where": self.where,
            "running_release": self.running_release.to_json() if self.running_release else None,
            "releases_broken": {str(i): list(broke.values())
                                for i, broke in self.verdict.broke.items()},
        }


@dataclass(frozen=True)
class AnswerReport:
    posed: Posed
    right: bool
    detail: str
    check: CheckReport | None  # the check that followed a right answer
