"""A step's question, asked and answered: made concrete against the state it is about (the
live one, or the one the step began in or its goal held in, see `seen.py`), an answer judged,
and a right one remembered and followed by a check. The workspace's `pose_question` and
`answer` call these, under its lock for an answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .exceptions import TutorError
from .lessons import SolutionAction, Step
from .timeline import state_key

if TYPE_CHECKING:
    from .check_report import AnswerReport
    from .questions import Posed
    from .state import SandboxState
    from .workspace import Workspace


def pose_question(workspace: Workspace) -> tuple[Step, Posed | None]:
    """The current step's question, made concrete against the state it is about."""
    from .judge import posed_question

    lesson, index, step = workspace.current_step()
    if step.question is None:
        return step, None
    workspace.require_lesson_sandbox(lesson)
    return step, posed_question(lesson, index, workspace.read_state(),
                                workspace.seen.load(lesson.id), workspace.context())


def answer(workspace: Workspace, values: list[str]) -> AnswerReport:
    """Judge `values` as the answer to the current step's question; a right one is
    remembered and the step checked."""
    from .judge import question_state
    from .check_report import AnswerReport
    from .questions import judge, pose

    lesson, index, step = workspace.current_step()
    if step.question is None:
        raise TutorError(f"Step {index + 1} of {lesson.id} asks no question.",
                         "Do what the step says, then run `tutor check`.")
    workspace.require_lesson_sandbox(lesson)
    state = workspace.read_state()
    about = question_state(lesson, index, state, workspace.context(),
                           workspace.seen.load(lesson.id))
    if about.state is None:
        # Not an attempt: the state the question asks about is not there to look at yet.
        return AnswerReport(pose(step.question, state), False, about.not_yet, None)
    posed = pose(step.question, about.state)
    right, detail = judge(posed, values)
    if not right and about.state is not state and state_key(about.state) != state_key(state):
        # About a moment the sandbox has moved on from: say which one, or the learner
        # answers about what they see now.
        when = ("when this step began" if step.question.about == "step_start"
                else "when this step's goal held")
        detail += (f" The question is about the sandbox as it was {when}, not as it is "
                   "now.")
    workspace.current_step_record().answers += 1
    workspace.tell_class("answer", {"right": right})
    if not right:
        workspace.save()
        return AnswerReport(posed, False, detail, None)
    answered = workspace.lesson_progress(lesson).answered
    if index not in answered:
        answered.append(index)
    return AnswerReport(posed, True, "",
                        workspace.judge_and_record(state, answered=(posed.ask, values)))


def answer_rightly(workspace: Workspace,
                   on_action: Callable[[SolutionAction, int, str], None]
                   ) -> SandboxState | None:
    """Answer the current step's question (if it has one not answered yet) from the state
    it is about, as `tutor solve` does; returns the state read for it (None: none read)."""
    from .judge import question_state
    from .questions import pose

    lesson, index, step = workspace.current_step()
    if step.question is None or index in workspace.lesson_progress(lesson).answered:
        return None
    state = workspace.read_state()
    about = question_state(lesson, index, state, workspace.context(),
                           workspace.seen.load(lesson.id))
    if about.state is None:  # about a state not reached yet: no learner could answer it
        return state
    posed = pose(step.question, about.state)
    shown = " ".join(posed.correct) or "--none"
    on_action(SolutionAction(run=f"tutor answer {shown}"), 0, "")
    workspace.lesson_progress(lesson).answered.append(index)
    return state
