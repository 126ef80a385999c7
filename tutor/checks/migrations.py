"""The judges of migrations: their files and records (by name, or by what they do), an app's
migrations folder, records without files, models that agree with their migrations, and the
same history on several databases.
"""

from __future__ import annotations

from ..course.model import Expectation, MigrationSelector
from ..markup import listed
from ..state import Migration, SandboxState
from .outcome import Context, Finding
from .words import is_are


def find_migrations(state: SandboxState, selector: MigrationSelector) -> list[Migration]:
    """The migrations of the state that fit the selector. What a migration does is known
    from its file, so a selector by deed only finds migrations that have one."""
    found = []
    for migration in state.app_migrations(selector.app):
        if selector.name and migration.name != selector.name:
            continue
        if selector.identifies_by_deed and not migration.on_disk:
            continue
        if selector.after and f"{selector.app}.{selector.after}" not in migration.depends_on:
            continue
        if selector.operations is not None \
                and list(migration.operations) != list(selector.operations):
            continue
        if selector.replaces is not None and set(migration.replaces) != {
                f"{selector.app}.{name}" for name in selector.replaces}:
            continue
        if selector.depends_on and not set(selector.depends_on) <= set(migration.depends_on):
            continue
        if selector.initial is not None and migration.initial != selector.initial:
            continue
        found.append(migration)
    return found


def _migration(e: Expectation, state: SandboxState, context: Context) -> Finding:
    selector: MigrationSelector = e.subject
    if not selector.identifies_by_deed:
        text, met, detail = _named_migration(e, selector.app, selector.name, state)
        if "unchanged" in e.options:
            text, met, detail = _unchanged(e, selector, state, context, (text, met, detail))
        return text, met, detail
    matches = find_migrations(state, selector)
    claims = [_CLAIMS[option][e.options[option]] for option in _CLAIMS if option in e.options]
    text = selector.words() + (" " + " and ".join(claims) if claims else " exists")
    wants = {option: e.options[option] for option in _CLAIMS if option in e.options}
    if wants and not any(wants.values()):
        # "no such migration": none may have a file (or a record), as asked. (With a claim
        # that it exists, such as "has its file and is not applied", one must fit: below.)
        offending = [(m, option) for m in matches for option in wants
                     if getattr(m, option)]
        if not offending:
            return text, True, ""
        return text, False, "; ".join(f"{m.name} does that, and {_HAS[option]}"
                                      for m, option in offending) + "."
    good = [m for m in matches if all(getattr(m, option) == want
                                      for option, want in wants.items())]
    if good:
        return text, True, ""
    if not matches:
        return text, False, _none_does(state, selector)
    want_applied, want_recorded = wants.get("applied"), wants.get("recorded")
    problems = [f"{m.name} fits, but it is not applied: django_migrations has no row for it"
                if want_applied else f"{m.name} fits, but it is applied"
                for m in matches if want_applied is not None and m.applied != want_applied]
    problems += [f"{m.name} fits, but its file is gone" for m in matches
                 if wants.get("on_disk") is True and not m.on_disk]
    problems += [(f"{m.name} fits, but django_migrations has no row of its own for it"
                  + (" (it counts as applied because every migration it replaces is)"
                     if m.applied else "")) if want_recorded
                 else f"{m.name} fits, but django_migrations has a row for it"
                 for m in matches if want_recorded is not None and m.recorded != want_recorded]
    return text, False, "; ".join(problems) + "."


# What a migration expectation may claim, in words, and what it has when it should not.
_CLAIMS = {
    "on_disk": {True: "has its file on disk", False: "has no file on disk"},
    "applied": {True: "is applied", False: "is not applied"},
    "recorded": {True: "has a row of its own in django_migrations",
                 False: "has no row of its own in django_migrations"},
}
_HAS = {"on_disk": "its file is there", "applied": "it is applied",
        "recorded": "django_migrations has a row for it"}


def _none_does(state: SandboxState, selector: MigrationSelector) -> str:
    files = [m for m in state.app_migrations(selector.app) if m.on_disk]
    if not files:
        return f"{selector.app}/migrations holds no migration file."
    shown = "; ".join(f"{m.name} ({'; '.join(m.operations) or 'no operations'})" for m in files)
    return f"no {selector.app} migration file fits. The files: {shown}."


def _named_migration(e: Expectation, app: str, name: str, state: SandboxState) -> Finding:
    found = state.migration(app, name)
    on_disk = bool(found and found.on_disk)
    applied = bool(found and found.applied)
    claims, problems = [], []
    if "on_disk" in e.options:
        want = e.options["on_disk"]
        claims.append("has its file on disk" if want else "has no file on disk")
        if on_disk != want:
            problems.append(
                f"its file {app}/migrations/{name}.py is there." if on_disk
                else f"there is no file {app}/migrations/{name}.py{_similar(state, app, name)}."
            )
    if "applied" in e.options:
        want = e.options["applied"]
        claims.append("is applied" if want else "is not applied")
        if applied != want:
            problems.append(
                "it is recorded as applied in django_migrations." if applied
                else "it is not applied: django_migrations has no row for it."
            )
    if "recorded" in e.options:
        want = e.options["recorded"]
        recorded = bool(found and found.recorded)
        claims.append(_CLAIMS["recorded"][want])
        if recorded != want:
            problems.append("django_migrations has a row for it." if recorded
                            else "django_migrations has no row of its own for it"
                            + (" (it counts as applied because every migration it replaces "
                               "is)." if applied else "."))
    text = f"{app}.{name} " + " and ".join(claims or ["exists"])
    if not claims and not (on_disk or applied):
        problems.append(f"Django knows no migration {app}.{name}{_similar(state, app, name)}.")
    return text, not problems, " ".join(problems)


def _unchanged(e: Expectation, selector: MigrationSelector, state: SandboxState,
               context: Context, judged: Finding) -> Finding:
    """`unchanged = true`: the migration's file does what it did at the lesson's start, every
    operation whole (its fields, its SQL, its code): a deployed migration is history."""
    text, met, detail = judged
    words = ("does what it did when the lesson began" if e.options["unchanged"]
             else "does something else than when the lesson began")
    text = (text.removesuffix(" exists") + f" {words}" if text.endswith(" exists")
            else f"{text} and {words}")
    then = context.start.migration(selector.app, selector.name) if context.start else None
    now = state.migration(selector.app, selector.name)
    if then is None or not then.on_disk:
        return text, met, detail
    if now is None or not now.on_disk:
        return text, False, detail or f"there is no file {selector.app}/migrations/" \
                                      f"{selector.name}.py."
    same = now.operation_digests == then.operation_digests
    if same == e.options["unchanged"]:
        return text, met, detail
    changed = (f"{selector.app}/migrations/{selector.name}.py no longer does what it did when "
               "the lesson began: "
               + ("its operations are now " + "; ".join(now.operations) if now.operations
                  != then.operations else "an operation is the same kind, made otherwise "
                  "(a field, an SQL statement or a function of it changed)") + "."
               if not same else f"{selector.app}/migrations/{selector.name}.py is unchanged.")
    return text, False, f"{detail} {changed}".strip()


def _similar(state: SandboxState, app: str, name: str) -> str:
    """Point at a migration with the same number but another name: a common slip."""
    number = name.split("_", 1)[0]
    others = [m.name for m in state.app_migrations(app) if m.name.startswith(number + "_")
              and m.name != name]
    return f" (there is {listed(others)} instead)" if others else ""


def _only_migrations(e: Expectation, state: SandboxState, context: Context) -> Finding:
    app = e.option("app")
    entries = list(e.subject)
    present = [m for m in state.app_migrations(app) if m.on_disk]
    names = [entry for entry in entries if isinstance(entry, str)]
    selectors = [entry for entry in entries if not isinstance(entry, str)]
    words = [entry if isinstance(entry, str) else entry.words() for entry in entries]
    text = f"{app}/migrations holds exactly {listed(words) or 'no migrations'}"
    rest = [m for m in present if m.name not in names]
    missing = [name for name in names if name not in {m.name for m in present}]
    assigned = _assign(selectors, rest, state)
    unmatched = [s for s, m in zip(selectors, assigned) if m is None]
    extra = [m.name for m in rest if m not in assigned]
    problems = []
    if extra:
        problems.append(f"it also holds {listed(extra)}.")
    if missing:
        problems.append(f"{listed(missing)} {is_are(missing)} missing.")
    for selector in unmatched:
        problems.append(f"no file there is {selector.words()}.")
    return text, not problems, " ".join(problems)


def _assign(selectors: list[MigrationSelector], files: list[Migration],
            state: SandboxState) -> list[Migration | None]:
    """Give each selector a file of its own (a small backtracking search: a handful of
    files), as many as can be given; None where none is left."""
    # The newest file that fits first: after a squash, the squash is the migration that
    # "creates Product", and the old 0001_initial one of the files to delete.
    fits = [[m for m in reversed(find_migrations(state, s)) if m in files] for s in selectors]
    best: list[Migration | None] = [None] * len(selectors)

    def search(i: int, taken: list, chosen: list) -> None:
        nonlocal best
        if sum(c is not None for c in chosen) > sum(c is not None for c in best):
            best = chosen + [None] * (len(selectors) - len(chosen))
        if i == len(selectors):
            return
        for candidate in fits[i]:
            if candidate not in taken:
                search(i + 1, taken + [candidate], chosen + [candidate])
        search(i + 1, taken, chosen + [None])

    search(0, [], [])
    return best


def _no_orphans(e: Expectation, state: SandboxState, context: Context) -> Finding:
    orphans = [m.name for m in state.orphans(e.subject)]
    text = f"every applied {e.subject} migration still has its file"
    detail = (f"django_migrations records {listed(orphans)} as applied, but "
              + ("its file is gone." if len(orphans) == 1 else "their files are gone."))
    return text, not orphans, detail


def _models_match(e: Expectation, state: SandboxState, context: Context) -> Finding:
    pending = state.pending_changes.get(e.subject, [])
    text = f"{e.subject}'s models and migrations agree (makemigrations has nothing to write)"
    detail = "makemigrations would write a new migration: " + "; ".join(pending) + "."
    return text, not pending, detail


def _databases_agree(e: Expectation, state: SandboxState, context: Context) -> Finding:
    """The app's migrations are applied alike on every database named (default: all of the
    sandbox's): the team's databases are at the same point of its history."""
    app = e.subject
    names = e.option("databases") or [state.database, *state.databases]
    text = f"{app}'s applied migrations are the same on {listed(names)}"
    applied: dict[str, list[str]] = {}
    for name in names:
        there = state.on(name)
        if there is None:
            return text, False, f"the sandbox has no database {name!r}."
        applied[name] = [m.name for m in there.app_migrations(app) if m.applied]
    first = names[0]
    differ = [name for name in names[1:] if applied[name] != applied[first]]
    if not differ:
        return text, True, ""
    said = [f"{name} has {_last_applied(applied[name])}" for name in [first, *differ]]
    return text, False, "; ".join(said) + "."


def _last_applied(names: list[str]) -> str:
    return f"up to {names[-1]} applied" if names else "none applied"


JUDGES = {
    "migration": _migration,
    "only_migrations": _only_migrations,
    "no_orphans": _no_orphans,
    "models_match_migrations": _models_match,
    "databases_agree": _databases_agree,
}
