"""What a lesson's steps are made of, as typed data: expectations (and the migrations they
name by what they do), what a step allows, its explanations, invariants, reference solution
and question. Plain frozen dataclasses: the loader makes them, the judges read them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..markup import listed
from .kinds import DEFAULT_DATABASE, EXPECTATION_KINDS, RELEASE, ExpectationKind


@dataclass(frozen=True)
class MigrationSelector:
    """A migration identified by what it does: its app, and any of its name, the migration it
    comes right after, its operations (as Django describes them), the migrations a squash
    replaces, the migrations it depends on, or being an app's initial migration. A lesson
    whose point is not the name uses this, so that `0002_product_price` passes where
    `0002_add_price_to_product` would."""

    app: str = "store"
    name: str = ""
    after: str = ""                          # a name in the same app
    operations: tuple[str, ...] | None = None  # exactly these, in order; () is "none at all"
    replaces: tuple[str, ...] | None = None  # names in the same app; () is "none at all"
    depends_on: tuple[str, ...] = ()         # app.name, among its dependencies
    initial: bool | None = None

    def words(self) -> str:
        """The selector as a learner would say it."""
        if self.name and not self.identifies_by_deed:
            return f"{self.app}.{self.name}"
        parts = [f"the {self.app} migration {self.name}" if self.name
                 else f"a {self.app} migration"]
        if self.initial:
            parts.append("that is the app's initial migration")
        if self.after:
            parts.append(f"right after {self.after}")
        if self.replaces is not None:
            parts.append(("that replaces " + listed(self.replaces)) if self.replaces
                         else "that replaces no migration")
        if self.depends_on:
            parts.append("that depends on " + listed(self.depends_on))
        if self.operations is not None:
            parts.append(("that does " + "; ".join(self.operations)) if self.operations
                         else "with no operations")
        return " ".join(parts)

    @property
    def identifies_by_deed(self) -> bool:
        return bool(self.after or self.replaces is not None or self.depends_on
                    or self.initial is not None
                    or self.operations is not None)


@dataclass(frozen=True)
class Expectation:
    """One `[[steps.expect]]` table (or an invariant, or a condition of either): its kind, as
    `kinds.py` declares it, the subject and options the lesson gives, and where it holds. A
    judge of `checks/` gives it its meaning; an option the lesson leaves out is its kind's
    default (`option`)."""

    kind: str      # a key of EXPECTATION_KINDS
    subject: Any   # a MigrationSelector for `migration`; a list of names and selectors for
    options: dict[str, Any]  # `only_migrations`; else what the TOML gives
    explain: str = ""
    # The explain is said only when these conditions are all observed in the state: a cause
    # is named only where it is seen.
    when: tuple["Expectation", ...] = ()
    # For a condition: whether it must hold (true) or not hold (false) to be observed.
    holds: bool = True
    # Which of the sandbox's databases it is about: `default` (the learner's own) or one the
    # lesson's start declares (`[[start.databases]]`).
    database: str = DEFAULT_DATABASE
    # The backends it is checked on (empty: every one): where a lesson's story differs.
    backends: tuple[str, ...] = ()

    def checked_on(self, backend: str) -> bool:
        return not self.backends or backend in self.backends

    @property
    def declaration(self) -> ExpectationKind:
        """Its kind, as the lesson format declares it (`kinds.py`)."""
        return EXPECTATION_KINDS[self.kind]

    def option(self, name: str) -> Any:
        """The option as the lesson gives it, else its kind's default (None: not asked)."""
        if name in self.options:
            return self.options[name]
        return self.declaration.options[name].default

    @property
    def about_a_release(self) -> bool:
        return self.declaration.scope == RELEASE


@dataclass(frozen=True)
class Allowance:
    """An exception a step declares to the protections: what its goal says may change, as
    narrowly as the goal says it ("prices of store_product change", "discount may go on
    teammate"). `lint-lessons --solve` reports one that the reference solution never needs."""

    kind: str                      # one of ALLOWANCE_FIELDS
    subject: Any                   # a table, an app, a release's name; True for new_database
    database: str = DEFAULT_DATABASE
    columns: tuple[str, ...] = ()  # rows: only these columns' values (the rows stay)
    ids: tuple[Any, ...] = ()      # rows: only the rows with these primary keys
    backends: tuple[str, ...] = ()  # where it applies (empty: every backend)
    where: str = field(default="", compare=False)  # its place in the file: "steps[1].allow[0]"
    # Why it is there although the reference solution does not need it: the right road, by
    # another name or another order, that does ("" : the reference solution needs it).
    why: str = field(default="", compare=False)

    def checked_on(self, backend: str) -> bool:
        return not self.backends or backend in self.backends

    def words(self) -> str:
        """The allowance as the lesson means it: "rows of store_product may change"."""
        on = "" if self.database == DEFAULT_DATABASE else f" on {self.database}"
        if self.kind == "rows":
            which = f"the rows with id {listed([str(i) for i in self.ids])} of " if self.ids \
                else "rows of "
            what = (f"{listed(list(self.columns))} in " if self.columns else "") + which
            return f"{what}{self.subject} may {'change' if self.columns else 'change or go'}{on}"
        if self.kind == "drift":
            return f"{self.subject}'s schema may differ from its record{on}"
        if self.kind == "orphans":
            return f"applied {self.subject} migrations may lack their file{on}"
        if self.kind == "conflicts":
            return f"{self.subject}'s migration graph may have more than one leaf"
        if self.kind == "new_database":
            return f"the database may be replaced{on}"
        return f"release {self.subject} may be broken"


@dataclass(frozen=True)
class AcceptedMutant:
    """A mutant of the step's reference solution that passes the step and is right all the
    same (see `mutants.py`), named as the mutation lint names it ("drop 2", "swap 1 2"), with
    the reason it is right: what the goal allows."""

    mutant: str
    why: str


@dataclass(frozen=True)
class Explanation:
    """Text shown when a step passes; with `when`, only if those conditions are observed in
    the state that passed it (another path to the goal gets words that fit it)."""

    text: str
    when: tuple[Expectation, ...] = ()


@dataclass(frozen=True)
class Invariant:
    """An expectation of the whole lesson: it must hold at each step it applies to (every
    step, or the 1-based `steps`), also when steps are done several at once."""

    expectation: Expectation
    steps: tuple[int, ...] = ()  # empty: every step

    def applies_to(self, index: int) -> bool:
        return not self.steps or index + 1 in self.steps


# The programs a lesson's commands may run: Django's own, and git for lessons about branches.
MANAGE_PREFIX = "python manage.py "
GIT_PREFIX = "git "


@dataclass(frozen=True)
class SolutionAction:
    """One step of a reference solution (or of a lesson's start): a command, deleting a file,
    or editing one."""

    run: str = ""
    fails: bool = False  # the command is meant to fail: the lesson shows Django's error
    delete: str = ""
    edit: str = ""
    replace: str = ""
    with_text: str = ""

    @property
    def is_git(self) -> bool:
        return self.run.startswith(GIT_PREFIX)

    def describe(self) -> str:
        """The action as a learner would type or do it."""
        if self.run:
            return self.run
        if self.delete:
            return f"rm {self.delete}"
        return f"edit {self.edit}: replace {self.replace!r} with {self.with_text!r}"


@dataclass(frozen=True)
class Question:
    """A question about the sandbox whose right answer is read from the live state."""

    ask: str
    kind: str                     # one of QUESTION_KINDS
    app: str = "store"
    table: str = "store_product"
    target: str = ""              # for would_unapply: the migration given to `migrate`
    choices: list[str] = field(default_factory=list)  # offered answers, where not derived
    about: str = "now"            # one of QUESTION_ABOUT
    database: str = DEFAULT_DATABASE  # the database it asks about (see Expectation.database)


@dataclass(frozen=True)
class Step:
    """One step of a lesson: its goal and hints, the reference solution `tutor solve` runs,
    the expectations that pass it, and what it explains, asks and allows."""

    title: str
    goal: str
    hints: list[str]
    solution: list[SolutionAction]
    expectations: list[Expectation]
    explanations: tuple[Explanation, ...] = ()
    question: Question | None = None
    # The release deployed as this step begins (a `Release.name`): it runs from here on.
    release: str = ""
    # What the step may change that the protections would otherwise refuse.
    allowances: tuple[Allowance, ...] = ()
    # Mutants of its solution that pass it rightly (`lint-lessons --mutants`).
    accepted_mutants: tuple[AcceptedMutant, ...] = ()
    # A later step undoes what this one leaves, and a road that never did this step is no
    # wrong road: a check that finds the later step's goal holding passes this one too. (By
    # default a step is passed only where its own goal shows.)
    passes_with_a_later_step: bool = False
    # The step as told on another backend (`[steps.on.postgresql]`): its fields there.
    variants: dict[str, "Step"] = field(default_factory=dict, compare=False, repr=False)

    def as_told_on(self, backend: str) -> "Step":
        """The step on `backend`: its variant there, if any, with only the expectations
        checked there."""

        step = self.variants.get(backend, self)
        return dataclasses.replace(
            step, variants={}, expectations=[e for e in step.expectations
                                             if e.checked_on(backend)],
            allowances=tuple(a for a in step.allowances if a.checked_on(backend)))
