"""Where the migrations stand relative to a step's goal, in one sentence: what a check that did
not pass says first, so that a learner who went too far (or not far enough) sees it without
reading every expectation."""

from __future__ import annotations

from .lessons import MigrationSelector, Step
from .markup import listed
from .state import SandboxState


def where_you_are(step: Step, state: SandboxState, applied_at_start: set[str]) -> str:
    """Say where the migrations stand relative to the step's goal, in one sentence, so that a
    learner who went too far (or not far enough) sees it without reading every expectation.
    `applied_at_start` (app.name keys; `database:app.name` on a lesson's other databases)
    tells a migration undone too far from one not yet applied. Only migrations the step
    names by name are weighed, each on the database it names."""
    wanted: dict[str, list[tuple[str, bool]]] = {}
    for e in step.expectations:
        if e.kind == "migration" and "applied" in e.options \
                and isinstance(e.subject, MigrationSelector) \
                and not e.subject.identifies_by_deed:
            wanted.setdefault(e.database, []).append(
                (f"{e.subject.app}.{e.subject.name}", e.options["applied"]))
    said = []
    for database, subjects in wanted.items():
        there = state.on(database)
        if there is None:
            continue
        prefix = "" if database == state.database else f"{database}:"
        started = {key[len(prefix):] for key in applied_at_start
                   if key.startswith(prefix) and (prefix or ":" not in key)}
        sentence = _where_on(there, subjects, started,
                             "" if database == state.database else f" on {database}")
        if sentence:
            said.append(sentence)
    return ("Where you are: " + " ".join(said)) if said else ""


def _where_on(state: SandboxState, wanted: list[tuple[str, bool]], applied_at_start: set[str],
              on: str) -> str:
    verdicts = []
    missing = [s for s, want in wanted if want and not _is_applied(state, s)]
    undone = [s for s in missing if s in applied_at_start]
    if undone:
        verdicts.append(f"{listed(undone)} should still be applied{on} (reverted too far?)")
    not_yet = [s for s in missing if s not in undone]
    if not_yet:
        verdicts.append(f"{listed(not_yet)} {'is' if len(not_yet) == 1 else 'are'} not "
                        f"applied{on} yet")
    extra = [s for s, want in wanted if not want and _is_applied(state, s)]
    kept = [s for s in extra if s in applied_at_start]
    if kept:
        verdicts.append(f"{listed(kept)} should not be applied{on} (not reverted far "
                        "enough?)")
    early = [s for s in extra if s not in kept]
    if early:
        verdicts.append(f"{listed(early)} should not be applied{on} (yet)")
    if not verdicts:
        return ""
    facts = []
    for app in sorted({subject.split(".")[0] for subject, _ in wanted}):
        applied = [m.name for m in state.app_migrations(app) if m.applied]
        facts.append(f"{app}'s last applied migration{on} is {applied[-1]}" if applied
                     else f"no {app} migration is applied{on}")
    return "; ".join(facts) + ". " + "; ".join(verdicts) + "."


def _is_applied(state: SandboxState, subject: str) -> bool:
    app, name = subject.split(".")
    found = state.migration(app, name)
    return bool(found and found.applied)
