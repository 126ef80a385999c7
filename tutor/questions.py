"""Questions about the sandbox, whose right answers are read from the live state.

A lesson asks "which migrations are applied?"; the answer is never text in the lesson file but
what the sandbox shows at the moment the learner answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lessons import Question
from .markup import listed
from .state import SandboxState


@dataclass(frozen=True)
class Posed:
    """A question made concrete against one state: what to offer and what is right."""

    ask: str
    choices: list[str]      # empty for a free-text answer
    correct: list[str]
    multiple: bool

    def answer_hint(self) -> str:
        # Said by `tutor check` and in `tutor start` alike: both ways of answering are named.
        session = " or \"Answer the question\" in `tutor start`"
        if self.multiple:
            return ("Answer with `tutor answer CHOICE...` (none: `tutor answer --none`)"
                    + session + "; choices: " + ", ".join(self.choices) + ".")
        return "Answer with `tutor answer VALUE`" + session + "."


def pose(question: Question, state: SandboxState) -> Posed:
    # On the database the question names (a lesson's teammate, production...); one the
    # sandbox lacks has nothing applied and no tables.
    state = state.on(question.database) or SandboxState(database=question.database,
                                                        database_exists=False)
    migrations = state.app_migrations(question.app)
    names = [m.name for m in migrations]
    kind = question.kind
    if kind == "applied_migrations":
        correct = [m.name for m in migrations if m.applied]
    elif kind == "unapplied_migrations":
        correct = [m.name for m in migrations if m.on_disk and not m.applied]
    elif kind == "orphan_migrations":
        correct = [m.name for m in migrations if m.applied and not m.on_disk]
    elif kind == "would_unapply":
        undone = _would_unapply(state, question.app, _resolve(question.target, names))
        if any(key.partition(".")[0] != question.app for key in undone):
            # Other apps' migrations go too: offer every migration, named with its app.
            choices = [m.key for m in state.migrations]
            return Posed(question.ask, choices, [k for k in choices if k in undone], True)
        correct = [m.name for m in migrations if m.key in undone]
    elif kind == "columns":
        present = {c.name for c in state.columns(question.table) or []}
        return Posed(question.ask, list(question.choices),
                     [c for c in question.choices if c in present], True)
    else:  # row_count
        return Posed(question.ask, [], [str(state.row_counts.get(question.table, 0))], False)
    return Posed(question.ask, names, correct, True)


def judge(posed: Posed, answer: list[str]) -> tuple[bool, str]:
    """Whether `answer` is right, and if not, what is wrong with it in plain words."""
    if not posed.multiple:
        given = " ".join(answer).strip()
        if given == posed.correct[0]:
            return True, ""
        return False, f"{given or 'nothing'} is not right: look at the state again."
    chosen, unknown = [], []
    for value in answer:
        match = _match(value, posed.choices)
        (chosen.append(match) if match else unknown.append(value))
    ambiguous = [v for v in unknown if sum(c.startswith(v) for c in posed.choices) > 1]
    if ambiguous:
        verb = "matches" if len(ambiguous) == 1 else "each match"
        return False, (f"{listed(ambiguous)} {verb} more than one choice: be more specific "
                       f"({', '.join(posed.choices)}).")
    if unknown:
        verb = "is not one of" if len(unknown) == 1 else "are not among"
        return False, (f"{listed(unknown)} {verb} the choices "
                       f"({', '.join(posed.choices)}).")
    missing = [c for c in posed.correct if c not in chosen]
    extra = [c for c in chosen if c not in posed.correct]
    if not missing and not extra:
        return True, ""
    problems = []
    if extra:
        problems.append(f"{listed(extra)} should not be in your answer")
    if missing:
        problems.append(f"{listed(missing)} {'is' if len(missing) == 1 else 'are'} missing "
                        "from it")
    return False, "Not quite: " + "; ".join(problems) + "."


def _would_unapply(state: SandboxState, app: str, target: str) -> set[str]:
    """The applied migrations `migrate APP TARGET` unapplies, as Django plans it: every
    migration that comes after TARGET in its app, and everything in any app that depends on
    one of those."""
    children: dict[str, set[str]] = {}
    for migration in state.migrations:
        for parent in migration.depends_on:
            children.setdefault(parent, set()).add(migration.key)
    own = [m for m in state.app_migrations(app) if m.on_disk]
    if target == "zero":
        starts = {m.key for m in own}
    else:
        starts = {child for child in children.get(f"{app}.{target}", set())
                  if child.partition(".")[0] == app}
    undone, waiting = set(), list(starts)
    while waiting:
        key = waiting.pop()
        if key not in undone:
            undone.add(key)
            waiting.extend(children.get(key, ()))
    applied = {m.key for m in state.migrations if m.applied}
    return undone & applied


def _match(value: str, choices: list[str]) -> str | None:
    """A choice, given in full or by a unique prefix (as `migrate` accepts names)."""
    if value in choices:
        return value
    matches = [c for c in choices if c.startswith(value)]
    return matches[0] if len(matches) == 1 else None


def _resolve(target: str, names: list[str]) -> str:
    if target == "zero":
        return target
    return _match(target, names) or target
