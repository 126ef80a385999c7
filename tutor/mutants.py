"""Mutation testing of the lessons' checks (`tutor lint-lessons --solve --mutants`).

A step's checks are as good as the wrong roads they refuse. For every step, the lint plays
mutants of its reference solution on the step's start (the sandbox as the reference solutions
of the steps before it leave it): the empty mutant (no action), each action dropped (the last
one dropped is the solution stopped before its end), each `migrate` made `migrate --fake` (and
all of them at once), each `--database X` action sent to another of the lesson's databases,
and adjacent actions swapped. A step's question is answered rightly, as `tutor solve` does.

A mutant the step refuses is what the checks are for. One that leaves the very state the
reference solution leaves (files, records, schemas, rows, releases) is *equivalent*: no
check of the state could tell them apart, and none should (two `migrate`s where one would
do). One that passes the step with another state *survives*: the step passes work its goal
does not ask for, unless the lesson accepts it (`[[steps.accepted_mutants]]`, with the reason
it is right). The lint fails on a survivor, and on an accepted mutant that no longer passes.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import TutorError
from .lessons import DEFAULT_DATABASE, Lesson, SolutionAction
from .state import SandboxState


@dataclass(frozen=True)
class Mutant:
    """Another road than the reference solution's: its name says how it was made ("drop 2",
    "fake 1", "swap 1 2", "database 2 to teammate"; actions count from 1)."""

    name: str
    actions: tuple[SolutionAction, ...]

    def describe(self) -> str:
        return "; ".join(action.describe() for action in self.actions) or "no action at all"


# What became of one mutant.
REFUSED, EQUIVALENT, ACCEPTED, SURVIVED = "refused", "equivalent", "accepted", "survived"


@dataclass(frozen=True)
class MutantResult:
    step: int         # from 0
    mutant: Mutant
    verdict: str      # one of REFUSED, EQUIVALENT, ACCEPTED, SURVIVED
    detail: str = ""  # for a survivor: what the step said when it passed


@dataclass
class MutantsPlayed:
    results: list[MutantResult] = field(default_factory=list)
    # Accepted mutants that no longer pass their step (or are no mutant of it): (step, name).
    stale: list[tuple[int, str]] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(result.verdict == verdict for result in self.results)

    @property
    def survivors(self) -> list[MutantResult]:
        return [result for result in self.results if result.verdict == SURVIVED]

    def to_json(self) -> dict:
        return {"played": len(self.results),
                **{verdict: self.count(verdict)
                   for verdict in (REFUSED, EQUIVALENT, ACCEPTED, SURVIVED)},
                "survivors": [{"step": r.step + 1, "mutant": r.mutant.name,
                               "actions": r.mutant.describe()} for r in self.survivors]}


# --- making mutants --------------------------------------------------------------------------

def mutants_of(solution: list[SolutionAction], databases: list[str]) -> list[Mutant]:
    """The mutants of a reference solution, each road once (a mutant that comes to the same
    actions as the solution, or as an earlier mutant, is left out). `databases`: the
    lesson's, `default` among them."""
    solution = list(solution)
    seen = {tuple(solution)}
    mutants: list[Mutant] = []

    def add(name: str, actions: list[SolutionAction]) -> None:
        key = tuple(actions)
        if key not in seen:
            seen.add(key)
            mutants.append(Mutant(name, key))

    add("empty", [])
    for k in range(len(solution)):
        add(f"drop {k + 1}", solution[:k] + solution[k + 1:])
    fakeable = [k for k, action in enumerate(solution) if _faked(action) is not None]
    for k in fakeable:
        add(f"fake {k + 1}", [_faked(a) if i == k else a for i, a in enumerate(solution)])
    if len(fakeable) > 1:
        add("fake all", [_faked(a) if i in fakeable else a for i, a in enumerate(solution)])
    for k, action in enumerate(solution):
        for other in databases:
            sent = _sent_to(action, other)
            if sent is not None:
                add(f"database {k + 1} to {other}",
                    [sent if i == k else a for i, a in enumerate(solution)])
    for k in range(len(solution) - 1):
        swapped = solution[:k] + [solution[k + 1], solution[k]] + solution[k + 2:]
        add(f"swap {k + 1} {k + 2}", swapped)
    return mutants


def _words(action: SolutionAction) -> list[str] | None:
    """A `python manage.py ...` action's arguments after manage.py (None: another action)."""
    if not action.run or action.is_git:
        return None
    try:
        return shlex.split(action.run)[2:]
    except ValueError:
        return None


def _rebuilt(action: SolutionAction, args: list[str]) -> SolutionAction:
    return SolutionAction(run="python manage.py " + shlex.join(args), fails=action.fails)


def _faked(action: SolutionAction) -> SolutionAction | None:
    """The action with `--fake`, for a `migrate` that runs something (not a plan, a prune or
    one already faked)."""
    args = _words(action)
    if not args or args[0] != "migrate" or {"--fake", "--plan", "--prune"} & set(args):
        return None
    return _rebuilt(action, [*args, "--fake"])


def _sent_to(action: SolutionAction, database: str) -> SolutionAction | None:
    """The action with `--database X` sent to `database` (None: it names no database, or
    that one already)."""
    args = _words(action)
    if not args:
        return None
    for i, arg in enumerate(args):
        if arg == "--database" and i + 1 < len(args):
            if args[i + 1] == database:
                return None
            return _rebuilt(action, [*args[:i + 1], database, *args[i + 2:]])
        if arg.startswith("--database="):
            if arg.partition("=")[2] == database:
                return None
            return _rebuilt(action, [*args[:i], f"--database={database}", *args[i + 1:]])
    return None


# --- what a road leaves ----------------------------------------------------------------------

# Read again by every state, or named after the clock: not part of what a road leaves.
_NOT_COMPARED = ("fresh_build", "django_version", "notes")
_MERGE_STAMP = re.compile(r"_merge_\d{8}_\d{4}")
# The tutor's own files, and the settings, which name the database: on a server, each reset
# takes a spare database under a new name (its contents are in the state).
_SKIPPED_FILES = (".tutor-sandbox", "settings.py")


def road_key(state: SandboxState, sandbox: Path) -> str:
    """A digest of what a road leaves: the state (records, schemas, rows, releases, what the
    migration files say) and the sandbox's files (a backup, the models; migration files less
    their comments, such as makemigrations' time stamp). Two roads with the same key cannot be
    told apart by any check of the state."""
    told = _comparable(state.to_json())
    files = {}
    for path in sorted(sandbox.rglob("*")):
        relative = path.relative_to(sandbox)
        parts = relative.parts
        if not path.is_file() or path.is_symlink() or ".git" in parts or "__pycache__" in parts \
                or relative.name in _SKIPPED_FILES or ".sqlite3" in relative.name:
            continue
        data = path.read_bytes()
        if "migrations" in parts and relative.suffix == ".py":
            data = b"\n".join(line for line in data.splitlines()
                              if not line.lstrip().startswith(b"#"))
        files[_MERGE_STAMP.sub("_merge_", str(relative))] = hashlib.sha256(data).hexdigest()
    text = json.dumps({"state": told, "files": files}, sort_keys=True, default=str)
    return hashlib.sha256(_MERGE_STAMP.sub("_merge_", text).encode()).hexdigest()


def _comparable(data):
    if isinstance(data, dict):
        server = data.get("database_vendor", "sqlite") != "sqlite"
        return {key: _comparable(value) for key, value in data.items()
                if key not in _NOT_COMPARED and not (server and key == "database_file")}
    if isinstance(data, list):
        return [_comparable(value) for value in data]
    return data


# --- playing them ----------------------------------------------------------------------------

def play_mutants(lesson: Lesson, workspace, reference: dict[int, str]) -> MutantsPlayed:
    """Every mutant of every step's solution, each played from the step's start in
    `workspace` (a throw-away home: `tutor reset LESSON --step N`, from its kept step copy),
    and judged. `reference`: the road key each step's reference solution left."""
    played = MutantsPlayed()
    databases = [DEFAULT_DATABASE, *(database.name for database in lesson.start.databases)]
    for index, step in enumerate(lesson.steps):
        if not step.solution or index not in reference:
            continue
        accepted = {entry.mutant for entry in step.accepted_mutants}
        passing: set[str] = set()
        mutants = mutants_of(step.solution, databases)
        for mutant in mutants:
            workspace.reset(lesson, step=index + 1)
            try:
                report = workspace.play(list(mutant.actions))
            except TutorError as error:  # the road left a sandbox Django cannot load
                played.results.append(MutantResult(index, mutant, REFUSED, error.message))
                continue
            if index not in report.passed_steps:
                played.results.append(MutantResult(index, mutant, REFUSED))
                continue
            passing.add(mutant.name)
            if road_key(report.state, workspace.sandbox.path) == reference[index]:
                verdict = EQUIVALENT
            else:
                verdict = ACCEPTED if mutant.name in accepted else SURVIVED
            said = report.explanation(index).strip().splitlines()
            played.results.append(MutantResult(index, mutant, verdict,
                                               said[0] if said else ""))
        made = {mutant.name for mutant in mutants}
        played.stale += [(index, name) for name in sorted(accepted)
                         if name not in made or name not in passing
                         or any(r.step == index and r.mutant.name == name
                                and r.verdict == EQUIVALENT for r in played.results)]
    return played
