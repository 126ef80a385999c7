"""Which steps pass: the one rule of the course, as a plain function of the lesson, the live
state, the states the steps have seen, and the answers given. Nothing here reads a sandbox,
takes a lock or writes progress (`Workspace` does that around it), so the rule is tested in
memory with states from `SandboxState.from_json`.

The rule:
- A step passes when every expectation of its own holds, and every invariant of the lesson
  that applies to it, and its question (if any) was answered rightly.
- A check that passes a step goes on and passes the following steps that already hold.
- When a later step holds while the current one does not (the learner did several steps in
  one go), the steps up to it pass too, but only where the invariants of each of them hold,
  each one's own goal shows too (unless it passes with a later step), and no question stands
  between: a question is never skipped, and a step whose work no state shows is never passed
  on the word of a later one.
- A question about the state in which its step's goal holds (`about = "goal"`) is answered
  against that state, so once it is answered its step has passed, even if the learner has
  moved on since.
- After the last step the lesson is complete; a later check judges the last step again
  against the live state and says so when the sandbox no longer holds it.
- Every step also holds the protections (`protections.py`), compared with the state the
  learner's current step began in: what its goal does not say may change, does not. A check
  that passes several steps at once allows what any of them allows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .checks import Context, Outcome, judge_expectation, observed
from .exceptions import UNDO_WORDS
from .lessons import Allowance, Lesson, Question, Step
from .protections import Baseline, judged_elsewhere, protect
from .questions import Posed, pose
from .seen import StepStates
from .state import SandboxState


@dataclass(frozen=True)
class StepResult:
    outcomes: list[Outcome]
    # The step's allowances that excused a change the state shows (see `protections.py`).
    excused: frozenset[Allowance] = frozenset()

    @property
    def passed(self) -> bool:
        return all(outcome.met for outcome in self.outcomes)

    @property
    def unmet(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.met]

    @property
    def waits_for_fresh_build(self) -> bool:
        """Everything holds but what only a fresh build can tell."""
        unmet = self.unmet
        return bool(unmet) and all(outcome.pending for outcome in unmet)


@dataclass(frozen=True)
class Verdict:
    """What the rule decided for one check."""

    step_index: int            # the step judged last: the first that did not pass, or the last
    result: StepResult         # its outcomes
    passed_steps: list[int]    # steps that passed in this check, in order
    lesson_complete: bool      # every step has passed (now or before)
    # Steps (at most the current one) whose expectations hold in this state although the
    # step did not pass: a question about that state may be answered later.
    held: list[int] = field(default_factory=list)
    # What to say of each step that passed: the parts of its explanation whose conditions
    # the state shows.
    explanations: dict[int, str] = field(default_factory=dict)
    # A step would be decided by the fresh build, which this state was read without: read
    # the state again with it, and judge again.
    wants_fresh_build: bool = False
    # For each step that passed, the allowances that excused a change the state shows.
    excused: dict[int, frozenset[Allowance]] = field(default_factory=dict)
    # For each step that passed, the releases the tutor saw broken while the learner was on
    # it (name -> what failed): its report says so.
    broke: dict[int, dict[str, str]] = field(default_factory=dict)
    # A later step whose goal holds, though a step before it was not seen done (its own
    # goal does not show): nothing passed on its word.
    ahead: int | None = None

    @property
    def passed(self) -> bool:
        """The step checked passed now; for a lesson completed before, its last step still
        holds in the live state."""
        return bool(self.passed_steps) or (self.lesson_complete and self.result.passed)

    @property
    def broken_since(self) -> bool:
        """The lesson was complete, and the sandbox no longer holds its last step."""
        return self.lesson_complete and not self.passed_steps and not self.result.passed


def judge_lesson(lesson: Lesson, step_index: int, state: SandboxState, context: Context,
                 answered: set[int], seen: StepStates | None = None) -> Verdict:
    """Judge the lesson from its current step (`step_index`; the number of steps when it is
    complete) against `state`."""
    seen = seen or StepStates()
    last = len(lesson.steps) - 1
    waiting: dict[int, StepResult] = {}  # every step judged, to see whether one waits
    # What the steps judged are compared with: the state the learner's step began in; once a
    # step passes in this check, the next one begins in this very state.
    baseline = [step_baseline(min(step_index, last), context, seen)]

    def judged(index: int) -> StepResult:
        result = judge_step(lesson, index, state, context, answered, seen, baseline[0])
        waiting[index] = result
        return result

    if step_index > last:
        # The lesson was complete: its last step judged again against the live state, its own
        # expectations too (a question about its goal answered long ago proves nothing now).
        result = judge_step(lesson, last, state, context, answered - {last}, seen, baseline[0])
        result = StepResult([o for o in result.outcomes
                             if not o.text.startswith("question answered: ")], result.excused)
        waiting[last] = result
        return Verdict(last, result, [], True,
                       wants_fresh_build=result.waits_for_fresh_build)
    passed: list[int] = []
    index = step_index
    held = []
    ahead = None
    while True:
        result = judged(index)
        if not result.passed:
            reached, ahead = _reached_later_step(lesson, index, judged, state, context,
                                                 answered)
            if reached is None:
                if _goal_holds(lesson, index, state, context):
                    held.append(index)
                break
            passed.extend(range(index, reached))
            index = reached
            result = judged(index)
        passed.append(index)
        if index == last:
            break
        index += 1
        baseline[0] = Baseline(state, index)
    complete = bool(passed) and passed[-1] == last
    explanations = {i: explanation(lesson.steps[i], state, dataclasses.replace(
        context, broke_during=_broke_up_to(seen, i))) for i in passed}
    return Verdict(index, result, passed, complete, held, explanations,
                   wants_fresh_build=any(r.waits_for_fresh_build for r in waiting.values()),
                   excused={i: waiting[i].excused for i in passed if i in waiting},
                   broke={i: dict(seen.broke[i]) for i in passed if seen.broke.get(i)},
                   ahead=ahead if not passed else None)


def _broke_up_to(seen: StepStates, index: int) -> dict[str, str]:
    """The releases the tutor saw broken at any check of the lesson up to step `index`
    (name -> what failed, the first time)."""
    broke: dict[str, str] = {}
    for step in sorted(i for i in seen.broke if i <= index):
        for name, failure in seen.broke[step].items():
            broke.setdefault(name, failure)
    return broke


def explanation(step: Step, state: SandboxState, context: Context) -> str:
    """The parts of a step's explanation that are true of the state that passed it."""
    return "\n\n".join(part.text.strip() for part in step.explanations
                        if observed(part.when, state, context))


def step_baseline(index: int, context: Context, seen: StepStates) -> Baseline | None:
    """What step `index` is compared with: the state it began in; where the tutor saw none
    (its first step, or a lost file), the lesson's start, with the allowances of every step
    up to it. None: no start is known (a sandbox built by an older tutor)."""
    began = seen.began.get(index) if index > 0 else None
    if began is not None:
        return Baseline(began, index)
    return Baseline(context.start, 0) if context.start is not None else None


def guard(lesson: Lesson, index: int, state: SandboxState, baseline: Baseline | None,
          unmet: list = ()) -> tuple[list[Outcome], frozenset[Allowance]]:
    """The protections step `index` breaks, as outcomes, and the allowances that excused
    something: compared with `baseline`, with the allowances of the steps from its own to
    this one. `unmet`: the step's expectations that do not hold (what they say of rows is
    not said twice)."""
    if baseline is None or index < baseline.first:
        return [], frozenset()
    allowances = [a for step in lesson.steps[baseline.first:index + 1] for a in step.allowances]
    running = lesson.running_release(index)
    judged = judged_elsewhere([*lesson.steps[index].expectations, *lesson.invariants_at(index)],
                              unmet)
    guarded = protect(baseline.state, state, allowances,
                      [running.name] if running is not None else [], judged)
    outcomes = [Outcome(b.text, False, b.detail, protection=True) for b in guarded.breaches]
    if outcomes:  # the way back, said once
        first = outcomes[0]
        outcomes[0] = dataclasses.replace(
            first, detail=f"{first.detail} {way_back(lesson, baseline.first)}")
    return outcomes, guarded.excused


def way_back(lesson: Lesson, index: int) -> str:
    """How to get back what step `index` lost: the tutor's undo, or the step started again."""
    return (f"To go back: `tutor undo` {UNDO_WORDS}, and {_start_again(lesson, index)} "
            f"starts {'this step' if index else 'the lesson'} over.")


def _start_again(lesson: Lesson, index: int) -> str:
    return f"`tutor reset {lesson.id}" + (f" --step {index + 1}`" if index else "`")


def judge_step(lesson: Lesson, index: int, state: SandboxState, context: Context,
               answered: set[int], seen: StepStates | None = None,
               baseline: Baseline | None = None) -> StepResult:
    """The outcomes of one step: its question (if any), its own expectations, the lesson's
    invariants that apply to it, and the protections it breaks (compared with `baseline`)."""
    seen = seen or StepStates()
    step = lesson.steps[index]
    if baseline is not None:
        context = dataclasses.replace(context, began=baseline.state)
    invariants = [judge_expectation(e, state, context) for e in lesson.invariants_at(index)]
    own = [judge_expectation(e, state, context) for e in step.expectations]
    unmet = [e for e, o in zip([*lesson.invariants_at(index), *step.expectations],
                               [*invariants, *own]) if not o.met]
    breaches, excused = guard(lesson, index, state, baseline, unmet)
    if not breaches and baseline is not None:
        invariants, own = _with_the_way_back(lesson, index, baseline, state, context,
                                             [*invariants, *own], len(invariants))
    if step.question is None:
        return StepResult([*own, *invariants, *breaches], excused)
    is_answered = index in answered
    if is_answered and step.question.about == "goal":
        # Answered against a state in which this step's goal held: its goal was reached. What
        # only the fresh build tells was not known there (see `_goal_holds`): it is still
        # judged, against the live state.
        own = [outcome for e, outcome in zip(step.expectations, own)
               if e.declaration.fresh]
    detail = "" if is_answered else posed_question(lesson, index, state, seen).answer_hint()
    question = Outcome(f"question answered: {step.question.ask}", is_answered, detail)
    return StepResult([question, *own, *invariants, *breaches], excused)


def _with_the_way_back(lesson: Lesson, index: int, baseline: Baseline, state: SandboxState,
                       context: Context, outcomes: list[Outcome],
                       split: int) -> tuple[list[Outcome], list[Outcome]]:
    """Where the step's own words say what a protection would (a record that disagrees with
    the schema, a row lost...), and it held when the step began, the learner broke it on the
    way: the first such outcome names the way back, as a protection does, unless the lesson's
    own explain is said there (it gives the way, which works). (A step whose goal is to mend
    it began without it: no way back then.)"""
    expectations = [*lesson.invariants_at(index), *lesson.steps[index].expectations]
    for i, (e, outcome) in enumerate(zip(expectations, outcomes)):
        if outcome.met or not e.declaration.guarded:
            continue
        if e.explain and observed(e.when, state, context):
            break
        if judge_expectation(e, baseline.state, context).met:
            outcomes = list(outcomes)
            outcomes[i] = dataclasses.replace(
                outcome, detail=f"{outcome.detail} {way_back(lesson, baseline.first)}".strip())
            break
    return outcomes[:split], outcomes[split:]


def _goal_holds(lesson: Lesson, index: int, state: SandboxState, context: Context) -> bool:
    """The step's own expectations (not its question) hold in the state. One that waits for
    the fresh build (a state is read without it until nothing else is left) does not stand in
    the way: it is judged once the question is answered (`judge_step`)."""
    outcomes = [judge_expectation(e, state, context) for e in lesson.steps[index].expectations]
    return all(outcome.met or outcome.pending for outcome in outcomes)


def _invariants_hold(lesson: Lesson, index: int, state: SandboxState, context: Context) -> bool:
    return all(judge_expectation(e, state, context).met for e in lesson.invariants_at(index))


def _reached_later_step(lesson: Lesson, index: int, judged, state: SandboxState,
                        context: Context, answered: set[int]) -> tuple[int | None, int | None]:
    """The first later step that holds, when the learner did several steps in one go: no
    question may stand between (the current step's own, answered, does not), the invariants
    of every step jumped over must hold, and so must each one's own goal (see
    `_done_on_the_way`): a step whose work no state shows is never passed on the word of a
    later one. `judged(i)` judges step i. Returns the step reached (None: none), and a later
    step whose goal holds though the steps before it were not seen done (None: none)."""
    for later in range(index, len(lesson.steps)):
        question = lesson.steps[later].question
        if question is not None and (later != index or later not in answered):
            return None, None
        if not _invariants_hold(lesson, later, state, context):
            return None, None
        if later > index and judged(later).passed:
            if all(_done_on_the_way(lesson, jumped, state, context)
                   for jumped in range(index, later)):
                return later, None
            return None, later
    return None, None


def _done_on_the_way(lesson: Lesson, index: int, state: SandboxState,
                     context: Context) -> bool:
    """Step `index`, jumped over on the way to a later step: its own goal holds in the state
    too (what is still to be judged by the fresh build aside), or the lesson says that a later
    step undoes it (`passes_with_a_later_step`: the author vouches that a road which never
    did it is no wrong road)."""
    step = lesson.steps[index]
    if step.passes_with_a_later_step:
        return True
    return all(outcome.met or outcome.pending
               for outcome in (judge_expectation(e, state, context) for e in step.expectations))


# --- questions ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionState:
    """The state a question is answered against, or why there is none yet."""

    state: SandboxState | None
    not_yet: str = ""  # why the question cannot be answered yet (`about = "goal"`)


def question_state(lesson: Lesson, index: int, state: SandboxState, context: Context,
                   seen: StepStates) -> QuestionState:
    """The state the step's question is about: the live one (`now`), the one the step began
    in (`step_start`), or one in which the step's own expectations hold (`goal`): the live
    state if they hold now, else the last such state the tutor saw."""
    question = lesson.steps[index].question
    about = question.about if question else "now"
    if about == "step_start":
        began = seen.began.get(index) or (context.start if index == 0 else None)
        return QuestionState(began or state)
    if about == "goal":
        if _goal_holds(lesson, index, state, context):
            return QuestionState(state)
        if index in seen.held:
            return QuestionState(seen.held[index])
        unmet = [judge_expectation(e, state, context) for e in lesson.steps[index].expectations]
        missing = "; ".join(o.text for o in unmet if not o.met)
        return QuestionState(None, (
            f"First do what this step asks: the question is about the state after that, "
            f"and the sandbox is not there yet (these do not hold yet: {missing})."))
    return QuestionState(state)


def posed_question(lesson: Lesson, index: int, state: SandboxState,
                   seen: StepStates | None = None, context: Context | None = None) -> Posed:
    """The step's question made concrete against the state it is about (the live state
    where that state is not known yet: the choices are the same)."""
    question: Question = lesson.steps[index].question
    about = QuestionState(state)
    if context is not None:
        about = question_state(lesson, index, state, context, seen or StepStates())
    return pose(question, about.state or state)


def seen_ahead(lesson: Lesson, verdict: Verdict) -> str:
    """What to say when a later step's goal holds but this step was not seen done."""
    return (f"Step {verdict.ahead + 1}'s goal holds in the sandbox, but this step's own goal "
            "does not show in it any more, and the tutor passes a step only once it has seen "
            f"it done. `tutor undo` {UNDO_WORDS}; {_start_again(lesson, verdict.step_index)} "
            "starts this step over. Do this step, `tutor check`, then go on.")
