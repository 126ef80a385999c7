"""The help a step gives: its hints, one at a time, and its reference solution, shown or
carried out with real commands (`tutor solve`), and the mutation lint's other roads (`play`):
what is carried out, then the step's question answered rightly and the step checked, not
counted as a check of the learner's. The workspace's `next_hint`, `solve`, `play` and
`show_solution` call these; each counts in the learner's report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .exceptions import TutorError
from .lessons import SolutionAction, Step
from .restores import require_own_sandbox

if TYPE_CHECKING:
    from .check_report import CheckReport
    from .workspace import Workspace

SolutionHeard = Callable[[SolutionAction, int, str], None]


@dataclass(frozen=True)
class Hint:
    """One hint of a step, as shown: its number of the step's total."""

    number: int   # 1-based
    total: int
    text: str


def next_hint(workspace: Workspace) -> Hint:
    """The current step's next hint (its last, once all were shown); the most shown on the
    step counts in the learner's report, and the class hears of it."""
    with workspace.locked_home():
        lesson, index, step = workspace.current_step()
        progress = workspace.lesson_progress(lesson)
        number = min(progress.hints_shown.get(str(index), 0) + 1, len(step.hints))
        progress.hints_shown[str(index)] = number
        record = workspace.current_step_record()
        record.hints = max(record.hints, number)
        workspace.progress.current = lesson.id
        workspace.save()
    workspace.tell_class("hint", {"number": number, "total": len(step.hints)})
    return Hint(number=number, total=len(step.hints), text=step.hints[number - 1])


def solve(workspace: Workspace, on_action: SolutionHeard) -> CheckReport:
    """Carry out the current step's reference solution, then check; the class hears of the
    solution at the step solved (not the one it leads to), then of the check."""
    with workspace.locked_home():
        where = workspace.teller.position(workspace.progress)
        lesson = workspace.current_lesson()
        workspace.require_lesson_sandbox(lesson)
        require_own_sandbox(workspace.sandbox, "the tutor's solutions")
        workspace.require_trust(lesson)
        workspace.current_step_record().solutions += 1
        workspace.timeline.take_point("", workspace.lesson_progress(lesson).step)
        report = carry_out(workspace, on_action)
    if where is not None:
        workspace.tell_class("solution", {"how": "carried_out"}, where)
    workspace.teller.checked(report, workspace.progress)
    return report


def carry_out(workspace: Workspace, on_action: SolutionHeard | None = None,
              actions: list[SolutionAction] | None = None,
              fast_forward: bool = False) -> CheckReport:
    """The current step's reference solution (or, for the mutation lint, other `actions`,
    carried out whatever their status), then its question answered rightly and the step
    checked (not counted as a check of the learner's). The home's lock is held."""
    from .answering import answer_rightly

    on_action = on_action or (lambda action, status, output: None)
    _, index, step = workspace.current_step()
    strict = actions is None
    actions = step.solution if actions is None else actions
    for action in actions:
        status, output = workspace.sandbox.perform(action)
        on_action(action, status, output)
        if strict and (status != 0) != action.fails:
            raise TutorError(
                f"The solution's `{action.describe()}` "
                + (f"failed (exit status {status})." if status else "was meant to fail."),
                "The sandbox is not in this step's starting state. Run `tutor reset` to "
                "start the lesson over.",
            )
    state = answer_rightly(workspace, on_action)
    return workspace.judge_and_record(state, counted=False, fast_forward=fast_forward,
                                      did=f"tutor solve (step {index + 1}: "
                                          + "; ".join(a.describe() for a in actions) + ")")


def show_solution(workspace: Workspace) -> Step:
    """The current step, whose reference solution the learner asked to see: that counts as
    a solution shown in their report."""
    with workspace.locked_home():
        workspace.current_step_record().solutions += 1
        workspace.save()
        step = workspace.current_step()[2]
    workspace.tell_class("solution", {"how": "shown"})
    return step
