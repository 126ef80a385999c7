"""Gives a lesson's declared expectations their meaning against a real `SandboxState`.

Each kind of expectation is one function that returns what it claims (`text`), whether the
state meets it, and, when it does not, what the state actually is (`detail`) in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable

from .lessons import Expectation, Step
from .state import SandboxState


@dataclass(frozen=True)
class Outcome:
    text: str
    met: bool
    detail: str = ""

    def to_json(self) -> dict:
        return {"text": self.text, "met": self.met, "detail": self.detail}


@dataclass(frozen=True)
class StepResult:
    outcomes: list[Outcome]

    @property
    def passed(self) -> bool:
        return all(outcome.met for outcome in self.outcomes)

    @property
    def unmet(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.met]


def check_step(step: Step, state: SandboxState, sandbox: Path) -> StepResult:
    return StepResult([evaluate(e, state, sandbox) for e in step.expectations])


def where_you_are(step: Step, state: SandboxState, applied_at_start: set[str]) -> str:
    """Say where the migrations stand relative to the step's goal, in one sentence, so that a
    learner who went too far (or not far enough) sees it without reading every expectation.
    `applied_at_start` (app.name keys) tells a migration undone too far from one not yet
    applied."""
    wanted = [(e.subject, e.options["applied"]) for e in step.expectations
              if e.kind == "migration" and "applied" in e.options]
    if not wanted:
        return ""
    verdicts = []
    missing = [s for s, want in wanted if want and not _is_applied(state, s)]
    undone = [s for s in missing if s in applied_at_start]
    if undone:
        verdicts.append(f"{', '.join(undone)} should still be applied (reverted too far?)")
    if len(undone) < len(missing):
        verdicts.append(f"{', '.join(s for s in missing if s not in undone)} is not applied yet")
    extra = [s for s, want in wanted if not want and _is_applied(state, s)]
    kept = [s for s in extra if s in applied_at_start]
    if kept:
        verdicts.append(f"{', '.join(kept)} should not be applied (not reverted far enough?)")
    if len(kept) < len(extra):
        verdicts.append(f"{', '.join(s for s in extra if s not in kept)} should not be applied "
                        "(yet)")
    if not verdicts:
        return ""
    facts = []
    for app in sorted({subject.split(".")[0] for subject, _ in wanted}):
        applied = [m.name for m in state.app_migrations(app) if m.applied]
        facts.append(f"{app}'s last applied migration is {applied[-1]}" if applied
                     else f"no {app} migration is applied")
    return "Where you are: " + "; ".join(facts) + ". " + "; ".join(verdicts) + "."


def _is_applied(state: SandboxState, subject: str) -> bool:
    app, name = subject.split(".")
    found = state.migration(app, name)
    return bool(found and found.applied)


def evaluate(expectation: Expectation, state: SandboxState, sandbox: Path) -> Outcome:
    text, met, detail = _KINDS[expectation.kind](expectation, state, sandbox)
    if not met and expectation.explain:
        detail = f"{detail} {expectation.explain}".strip()
    return Outcome(text=text, met=met, detail="" if met else detail)


Verdict = tuple[str, bool, str]


def _migration(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    app, name = e.subject.split(".")
    found = state.migration(app, name)
    on_disk = bool(found and found.on_disk)
    applied = bool(found and found.applied)
    claims, problems = [], []
    if "on_disk" in e.options:
        want = e.options["on_disk"]
        claims.append("has its file on disk" if want else "has no file on disk")
        if on_disk != want:
            problems.append(
                f"its file {app}/migrations/{name}.py is still there." if on_disk
                else f"there is no file {app}/migrations/{name}.py{_similar(state, app, name)}."
            )
    if "applied" in e.options:
        want = e.options["applied"]
        claims.append("is applied" if want else "is not applied")
        if applied != want:
            problems.append(
                "it is still recorded as applied in django_migrations." if applied
                else "it is not applied: django_migrations has no row for it."
            )
    text = f"{e.subject} " + " and ".join(claims or ["exists"])
    if not claims and not (on_disk or applied):
        problems.append(f"Django knows no migration {e.subject}{_similar(state, app, name)}.")
    return text, not problems, " ".join(problems)


def _similar(state: SandboxState, app: str, name: str) -> str:
    """Point at a migration with the same number but another name: a common slip."""
    number = name.split("_", 1)[0]
    others = [m.name for m in state.app_migrations(app) if m.name.startswith(number + "_")
              and m.name != name]
    return f" (there is {', '.join(others)} instead)" if others else ""


def _column(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    table, name = e.subject.split(".")
    want_exists = e.options.get("exists", True)
    columns = state.columns(table)
    column = next((c for c in columns or [] if c.name == name), None)
    if not want_exists:
        text = f"column {e.subject} does not exist"
        return text, column is None, "the column is still in the table."
    claims = ["exists"]
    if "null" in e.options:
        claims.append("allows NULL" if e.options["null"] else "is NOT NULL")
    text = f"column {e.subject} " + " and ".join(claims)
    if columns is None:
        return text, False, f"there is no table {table} in the database."
    if column is None:
        names = ", ".join(c.name for c in columns)
        return text, False, f"{table} has no column {name} (its columns: {names})."
    if "null" in e.options and column.null != e.options["null"]:
        now = "allows NULL" if column.null else "is NOT NULL"
        return text, False, f"the column {now} in the database."
    return text, True, ""


def _table(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    want = e.options.get("exists", True)
    exists = e.subject in state.tables
    text = f"table {e.subject} " + ("exists" if want else "does not exist")
    detail = "it is still in the database." if exists else "it is not in the database."
    return text, exists == want, detail


def _no_orphans(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    orphans = state.orphans(e.subject)
    text = f"every applied {e.subject} migration still has its file"
    names = ", ".join(m.name for m in orphans)
    detail = (f"django_migrations records {names} as applied, but the file is gone. Deleting "
              "an applied migration leaves its row and its schema change behind.")
    return text, not orphans, detail


def _models_match(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    pending = state.pending_changes.get(e.subject, [])
    text = f"{e.subject}'s models and migrations agree (makemigrations has nothing to write)"
    detail = "makemigrations would write a new migration: " + "; ".join(pending) + "."
    return text, not pending, detail


def _only_migrations(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    app = e.options.get("app", "store")
    wanted = list(e.subject)
    present = [m.name for m in state.app_migrations(app) if m.on_disk]
    extra = [name for name in present if name not in wanted]
    missing = [name for name in wanted if name not in present]
    text = f"{app}/migrations holds exactly {', '.join(wanted) or 'no migrations'}"
    problems = []
    if extra:
        problems.append(f"it also holds {', '.join(extra)}.")
    if missing:
        problems.append(f"{', '.join(missing)} is missing.")
    return text, not problems, " ".join(problems)


def _no_file_contains(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    under = e.options.get("under", ".")
    needle = e.subject
    hits = []
    for path in sorted((sandbox / under).rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        if needle in path.read_text(encoding="utf-8", errors="replace"):
            hits.append(str(path.relative_to(sandbox)))
    text = f"no file under {under}/ contains {needle!r}"
    return text, not hits, f"{', '.join(hits)} still contains {needle!r}."


def _schema_matches_record(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    drift = state.schema_drift.get(e.subject, [])
    text = f"{e.subject}'s tables match what its applied migrations say"
    return text, not drift, "; ".join(drift) + "."


def _file(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    path = sandbox / e.subject
    want = e.options.get("exists", True)
    if not want:
        return f"there is no file {e.subject}", not path.exists(), f"{e.subject} is still there."
    needle = e.options.get("contains")
    text = f"file {e.subject} exists" + (f" and contains {needle!r}" if needle else "")
    if not path.is_file():
        return text, False, f"there is no file {e.subject}."
    if needle and needle not in path.read_text(encoding="utf-8", errors="replace"):
        return text, False, f"{e.subject} does not contain {needle!r}."
    return text, True, ""


def _rows(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    want = e.options.get("count")
    text = f"table {e.subject} has {want} rows"
    if e.subject not in state.row_counts:
        return text, False, f"there is no table {e.subject} in the database."
    count = state.row_counts[e.subject]
    return text, count == want, f"it has {count} rows."


def _values(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    table, column = e.subject.split(".")
    want = e.options.get("equal", [])
    text = f"{e.subject} holds {', '.join(map(str, want))} (in row order)"
    if table not in state.rows:
        return text, False, f"there is no table {table} in the database."
    rows = state.rows[table]
    if rows and column not in rows[0] or not rows and want:
        return text, False, f"{table} has no column {column} or no rows."
    found = [row[column] for row in rows]
    if len(found) == len(want) and all(map(_same_value, found, want)):
        return text, True, ""
    shown = ", ".join("NULL" if v is None else str(v) for v in found)
    return text, False, f"it holds {shown or 'no rows'}."


def _same_value(found, want) -> bool:
    """Numbers compare as decimals (SQLite returns 12 for a stored 12.00); the rest exactly."""
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        try:
            return Decimal(str(found)) == Decimal(str(want))
        except (InvalidOperation, ValueError):
            return False
    return found == want


def _branch(e: Expectation, state: SandboxState, sandbox: Path) -> Verdict:
    text = f"the sandbox's git repository is on branch {e.subject}"
    if not state.git_branch:
        return text, False, "the sandbox is not a git repository."
    return text, state.git_branch == e.subject, f"it is on {state.git_branch}."


_KINDS: dict[str, Callable[[Expectation, SandboxState, Path], Verdict]] = {
    "migration": _migration,
    "column": _column,
    "table": _table,
    "no_orphans": _no_orphans,
    "models_match_migrations": _models_match,
    "only_migrations": _only_migrations,
    "no_file_contains": _no_file_contains,
    "schema_matches_record": _schema_matches_record,
    "file": _file,
    "rows": _rows,
    "values": _values,
    "branch": _branch,
}
