"""Gives a lesson's declared expectations their meaning against a real `SandboxState`.

Each kind of expectation is one function that returns what it claims (`text`), whether the
state meets it, and, when it does not, what the state actually is (`detail`), in plain words
that are true of that state. A lesson's `explain` is added to the detail only where its
condition (`when`) is observed, so that no cause is named that the state does not show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable

from .lessons import Expectation, MigrationSelector, is_within
from .markup import listed
from .state import DJANGO_TABLES, Migration, ReleaseRun, SandboxState


@dataclass(frozen=True)
class Outcome:
    text: str
    met: bool
    detail: str = ""
    # Not decided yet: it needs the fresh build, which a state is read with only when this
    # expectation is the last one standing (it costs a migrate).
    pending: bool = False
    # A protection every step holds (see `protections.py`), not one of the step's own: it is
    # listed only where it is broken.
    protection: bool = False

    def to_json(self) -> dict:
        return {"text": self.text, "met": self.met, "detail": self.detail,
                "protection": self.protection}


@dataclass(frozen=True)
class Context:
    """What a check may compare the live state with, besides the state itself."""

    sandbox: Path
    # The state the lesson's sandbox was built in: its rows, its database's mark.
    start: SandboxState | None = None
    # For an explanation: the releases the tutor saw broken at any check of the lesson up to
    # its step (name -> what failed).
    broke_during: dict[str, str] = field(default_factory=dict)
    # The state the learner's current step began in (None: not known; the lesson's start then
    # stands for it): what a backup made during the step must hold.
    began: SandboxState | None = None

    def on(self, database: str) -> "Context":
        """The context as seen from one of the sandbox's databases."""
        import dataclasses

        return dataclasses.replace(
            self, start=self.start.on(database) if self.start is not None else None,
            began=self.began.on(database) if self.began is not None else None)

    @property
    def step_start(self) -> SandboxState | None:
        return self.began or self.start


def judge_expectation(expectation: Expectation, state: SandboxState,
                      context: Context) -> Outcome:
    text, met, detail = _judge_on_its_database(expectation, state, context)
    pending = expectation.declaration.fresh and state.fresh_build is None
    if not met and not pending and expectation.explain \
            and observed(expectation.when, state, context):
        detail = f"{detail} {expectation.explain}".strip()
    return Outcome(text=text, met=met, detail="" if met else detail, pending=pending)


def observed(conditions: tuple[Expectation, ...], state: SandboxState, context: Context) -> bool:
    """Every condition is seen in the state: it holds (or, with `holds = false`, it does
    not)."""
    return all(_judge_on_its_database(c, state, context)[1] == c.holds for c in conditions)


def _judge_on_its_database(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    """The expectation judged against the database it names: the learner's own (`default`),
    or one of the lesson's others, whose claim then says which ("on teammate: ...")."""
    if e.database == state.database:
        return KINDS[e.kind](e, state, context)
    there = state.on(e.database)
    if there is None:  # the claim as for an empty database, the detail why it is not met
        text, _, _ = KINDS[e.kind](e, SandboxState(database=e.database, database_exists=False),
                                   Context(context.sandbox))
        return (f"on {e.database}: {text}", False,
                f"the sandbox has no database {e.database!r} in settings.DATABASES "
                "(`tutor reset` builds the lesson's databases again).")
    text, met, detail = KINDS[e.kind](e, there, context.on(e.database))
    return f"on {e.database}: {text}", met, detail


Verdict = tuple[str, bool, str]


# --- words ------------------------------------------------------------------------------------

def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 row`, `3 rows`: the number and the noun that agrees with it."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _is_are(items: list) -> str:
    return "is" if len(items) == 1 else "are"


# --- migrations -------------------------------------------------------------------------------

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


def _migration(e: Expectation, state: SandboxState, context: Context) -> Verdict:
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


def _named_migration(e: Expectation, app: str, name: str, state: SandboxState) -> Verdict:
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
               context: Context, judged: Verdict) -> Verdict:
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


def _only_migrations(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    app = e.options.get("app", "store")
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
        problems.append(f"{listed(missing)} {_is_are(missing)} missing.")
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


def _no_orphans(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    orphans = [m.name for m in state.orphans(e.subject)]
    text = f"every applied {e.subject} migration still has its file"
    detail = (f"django_migrations records {listed(orphans)} as applied, but "
              + ("its file is gone." if len(orphans) == 1 else "their files are gone."))
    return text, not orphans, detail


def _models_match(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    pending = state.pending_changes.get(e.subject, [])
    text = f"{e.subject}'s models and migrations agree (makemigrations has nothing to write)"
    detail = "makemigrations would write a new migration: " + "; ".join(pending) + "."
    return text, not pending, detail


def _schema_matches_record(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    drift = state.schema_drift.get(e.subject, [])
    text = f"{e.subject}'s tables match what its applied migrations say"
    return text, not drift, "; ".join(drift) + "."


def _databases_agree(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    """The app's migrations are applied alike on every database named (default: all of the
    sandbox's): the team's databases are at the same point of its history."""
    app = e.subject
    names = e.options.get("databases") or [state.database, *state.databases]
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


def _release_works(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    run = state.releases.get(e.subject)
    knows = list(e.options.get("knows", []))
    if run is None:
        return (f"release {e.subject} works", False,
                f"Release {e.subject} was not run when this state was read.")
    text = f"{release_name(run)} works on {run.database}"
    if run.does:
        text += f" (it {listed(list(run.does))})"
    if knows:
        text += f", and its models have {listed(knows)}"
    if e.options.get("has_files"):
        text += f", and it has the file of every migration {run.database} has applied"
    problems = release_failures(run)
    lacking = [field for field in knows if field not in run.fields]
    if lacking and run.fields:
        problems.append(f"its models have no {listed(lacking)} (they have "
                        f"{listed(list(run.fields))})")
    if e.options.get("has_files") and run.missing_files:
        problems.append(f"it has no file of {listed(list(run.missing_files))}, which "
                        f"{run.database} has applied: its next `migrate` would find "
                        f"{'it' if len(run.missing_files) == 1 else 'them'} orphaned")
    if not problems:
        return text, True, ""
    detail = "; ".join(problems) + "."
    return text, False, detail[0].upper() + detail[1:]


def _release_never_broke(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    """A condition of what the tutor saw: no check of the lesson, up to the step explained,
    found the release broken."""
    text = f"the tutor never saw release {e.subject} broken"
    failure = context.broke_during.get(e.subject)
    return text, failure is None, f"it saw {failure}." if failure else ""


def release_name(run: ReleaseRun) -> str:
    """"release 1.4", or for the code a git branch holds, "the code on branch production"."""
    return f"the code on branch {run.ref}" if run.ref else f"release {run.name}"


def release_failures(run: ReleaseRun) -> list[str]:
    """What went wrong when the release ran, in Django's words: "its insert failed: NOT NULL
    constraint failed: store_product.discount"."""
    said = {"database": "cannot reach its database", "start": "cannot start"}
    return [f"it {said[action]}: {error}" if action in said else f"its {action} failed: {error}"
            for action, error in run.failures]


def _last_applied(names: list[str]) -> str:
    return f"up to {names[-1]} applied" if names else "none applied"


# --- schema -----------------------------------------------------------------------------------

def _column(e: Expectation, state: SandboxState, context: Context) -> Verdict:
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
    if "default" in e.options:
        claims.append("has a DEFAULT in the database" if e.options["default"]
                      else "has no DEFAULT in the database")
    text = f"column {e.subject} " + " and ".join(claims)
    if columns is None:
        return text, False, _no_table(state, table)
    if column is None:
        names = ", ".join(c.name for c in columns)
        return text, False, f"{table} has no column {name} (its columns: {names})."
    if "null" in e.options and column.null != e.options["null"]:
        now = "allows NULL" if column.null else "is NOT NULL"
        return text, False, f"the column {now} in the database."
    if "default" in e.options and column.default != e.options["default"]:
        now = "has a DEFAULT" if column.default else "has no DEFAULT"
        return text, False, f"the column {now} in the database."
    return text, True, ""


def _no_table(state: SandboxState, table: str) -> str:
    if not state.database_exists:
        return f"{state.no_database()}, so no table {table}."
    return f"there is no table {table} in the database."


def _table(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    want = e.options.get("exists", True)
    exists = e.subject in state.tables
    text = f"table {e.subject} " + ("exists" if want else "does not exist")
    if exists:
        count = state.row_counts.get(e.subject)
        # "still" only where it is the lesson's own database and the table was there at the
        # start: a table a new database was given is not still anywhere.
        start = context.start
        kept = start is None or (e.subject in start.tables and (
            start.database_mark is None or state.database_mark == start.database_mark))
        detail = f"it is {'still ' if kept else ''}in the database" + (
            f", with {plural(count, 'row')}." if count is not None else ".")
    else:
        detail = _no_table(state, e.subject)
    return text, exists == want, detail


def _field(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    app, model, name = e.subject.split(".")
    in_models = e.options.get("source") == "models"  # models.py, not the migration files
    described = (state.models if in_models else state.file_models).get(f"{app}.{model}")
    field = (described or {}).get("fields", {}).get(name)
    where = f"{model}.{name}"
    source = f"{app}/models.py" if in_models else "the migration files"
    want_exists = e.options.get("exists", True)
    if not want_exists:
        text = f"{source} give{'s' if in_models else ''} {model} no field {name}"
        return text, field is None, f"{source} still give{'s' if in_models else ''} {where}."
    claims = []
    if "type" in e.options:
        claims.append(f"as {_article(e.options['type'])}")
    if "null" in e.options:
        claims.append("allowing NULL" if e.options["null"] else "NOT NULL")
    if "default" in e.options:
        claims.append(f"with the default {_shown(e.options['default'])}")
    if "db_default" in e.options:
        claims.append("with a default in the database itself (`db_default`)"
                      if e.options["db_default"] else "with no default in the database itself")
    text = (f"{source} give{'s' if in_models else ''} {app}'s {where}"
            + (" " + ", ".join(claims) if claims else ""))
    if field is None:
        if in_models:
            return text, False, f"{app}/models.py has no field {where}."
        return text, False, (f"no {app} migration file adds {where}." if described
                             else f"no {app} migration file creates {model}.")
    problems = []
    if "type" in e.options and field["type"] != e.options["type"]:
        problems.append(f"it is {_article(field['type'])}")
    if "null" in e.options and field["null"] != e.options["null"]:
        problems.append("it allows NULL" if field["null"] else "it is NOT NULL")
    if "default" in e.options:
        if "default" not in field:
            problems.append("it has no default")
        elif not same_value(field["default"], e.options["default"]):
            problems.append(f"its default is {_shown(field['default'])}")
    if "db_default" in e.options and ("db_default" in field) != e.options["db_default"]:
        problems.append(f"it has `db_default={_shown(field['db_default'])}`"
                        if "db_default" in field else "it has no `db_default`")
    return text, not problems, (f"in {source}, {where}: " + "; ".join(problems)
                                + ".") if problems else ""


def _article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _shown(value) -> str:
    return repr(value) if isinstance(value, str) else "NULL" if value is None else str(value)


# --- the database itself ----------------------------------------------------------------------

LOST_FOR_GOOD = ("Whatever only that database held and was not put back is gone: in a real "
                 "project, every row written since the last backup.")


def _database_kept(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    text = f"{state.database_file} is the database this lesson started with"
    mark = context.start.database_mark if context.start else None
    if mark is None:  # the lesson started without a database (or an old sandbox): no mark
        return text, True, ""
    if not state.database_exists:
        return text, False, (f"there is no {state.database_file} any more: the database this "
                             f"lesson started with was {state.removed}. {LOST_FOR_GOOD}")
    if state.database_mark != mark:
        return text, False, (f"{state.database_file} is a new database, not the one this "
                             f"lesson started with: that one was deleted or replaced. "
                             f"{LOST_FOR_GOOD}")
    return text, True, ""


def _files_build_database(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    text = ("the migration files, applied to a new empty database, give the same schema and "
            "record as yours")
    built = state.fresh_build
    if built is None:
        return text, False, ("not checked yet: the tutor builds a new database from the files "
                             "once everything else of this step holds.")
    if not built.ok:
        where = f"applying {built.failed_migration} " if built.failed_migration else ""
        return text, False, (f"a new database cannot be built from the migration files: "
                             f"{where}fails with `{built.error}`.")
    local = {app for app in state.apps}
    yours = {m.key for m in state.migrations if m.applied and m.app in local}
    fresh = set(built.recorded)
    problems = []
    only_yours = sorted(yours - fresh)
    if only_yours:
        problems.append(f"your django_migrations records {listed(only_yours)}, which the files "
                        "do not give a new database")
    only_fresh = sorted(fresh - yours)
    if only_fresh:
        problems.append(f"a new database records {listed(only_fresh)}, yours does not")
    problems += _schema_differences(
        {t: c for t, c in state.tables.items() if t not in DJANGO_TABLES}, built.tables)
    if not problems:
        return text, True, ""
    return text, False, "built from the migration files, a new database differs from yours: " \
        + "; ".join(problems) + "."


def _reverses(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    """The migration's way back undoes its way there: applied and unapplied again on a new
    database holding a copy of the learner's rows (see the fresh build), every row is as it
    was. Judged from what the migration does, whatever road the learner's own rows took."""
    text = (f"{e.subject} can be undone: applied to a copy of your rows and unapplied again, "
            "it gives every row back as it was")
    built = state.fresh_build
    if built is None:
        return text, False, ("not checked yet: the tutor tries it on a copy of your rows once "
                             "everything else of this step holds.")
    trip = built.round_trips.get(e.subject)
    if trip is None:
        app, name = e.subject.split(".")
        found = state.migration(app, name)
        if found is None or not found.on_disk:
            return text, False, f"there is no file {app}/migrations/{name}.py to try."
        if found.applied:
            return text, False, ("it is applied: the tutor tries a migration's way back once it "
                                 "is unapplied, with every migration it depends on applied.")
        if not built.ok:
            return text, False, ("it could not be tried: a new database cannot be built from "
                                 f"the migration files (`{built.error}`).")
        return text, False, "it could not be tried: a migration it depends on is not applied."
    if trip["error"]:
        return text, False, f"applied and then unapplied, it failed with `{trip['error']}`."
    if not trip.get("changes", ["(not told)"]):
        return text, False, ("applied to a copy of your rows, it changes none of them: its way "
                             "there does nothing, so there is nothing for a way back to undo (an "
                             "emptied `operations` list, or a function that does nothing).")
    changes = list(trip["differences"])
    if changes:
        shown = "; ".join(changes[:4]) + (f"; and {len(changes) - 4} more" if len(changes) > 4
                                          else "")
        return text, False, f"applied and then unapplied, it left the rows changed: {shown}."
    return text, True, ""


def _schema_differences(yours: dict, fresh: dict) -> list[str]:
    problems = []
    for table in sorted(yours.keys() - fresh.keys()):
        problems.append(f"table {table} is in yours, not in a new one")
    for table in sorted(fresh.keys() - yours.keys()):
        problems.append(f"table {table} is in a new one, not in yours")
    for table in sorted(yours.keys() & fresh.keys()):
        mine = {c.name: c for c in yours[table]}
        theirs = {c.name: c for c in fresh[table]}
        for name in sorted(mine.keys() - theirs.keys()):
            problems.append(f"column {table}.{name} is in yours, not in a new one")
        for name in sorted(theirs.keys() - mine.keys()):
            problems.append(f"column {table}.{name} is in a new one, not in yours")
        for name in sorted(mine.keys() & theirs.keys()):
            a, b = mine[name], theirs[name]
            if a.null != b.null:
                problems.append(f"column {table}.{name} {_null(a.null)} in yours, "
                                f"{_null(b.null)} in a new one")
            elif a.type.lower() != b.type.lower():
                problems.append(f"column {table}.{name} is {a.type} in yours, {b.type} in a "
                                "new one")
    return problems


def _null(null: bool) -> str:
    return "allows NULL" if null else "is NOT NULL"


# --- rows -------------------------------------------------------------------------------------

def _rows(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    table = e.subject
    count = e.options.get("count")
    source = e.options.get("same_as")
    claims = []
    if count is not None:
        claims.append(f"has {plural(count, 'row')}")
    compared = [c for c in e.options.get("columns") or [] if c != "id"]
    values = f"the same id and {listed(compared)}" if compared else "the same id and values"
    if source == "start":
        claims.append(f"keeps every row it had when the lesson started, with {values}")
    elif source:
        claims.append(f"holds every row of {source}, with {values}")
    text = f"table {table} " + " and ".join(claims)
    if table not in state.row_counts:
        return text, False, _no_table(state, table)
    problems = []
    if count is not None and state.row_counts[table] != count:
        problems.append(f"it has {plural(state.row_counts[table], 'row')}.")
    if source:
        wanted, trouble = _rows_wanted(source, table, state, context)
        if trouble:
            problems.append(trouble)
        else:
            problems += _row_differences(wanted, state.rows.get(table, []),
                                         e.options.get("columns"))
    return text, not problems, " ".join(problems)


def _rows_wanted(source: str, table: str, state: SandboxState,
                 context: Context) -> tuple[list[dict], str]:
    """The rows the table must still hold: those of the lesson's start, or those of a
    `dumpdata` file in the sandbox (each object's pk and fields, as columns)."""
    if source == "start":
        if context.start is None:
            return [], "the tutor does not know this lesson's starting rows: `tutor reset`."
        return context.start.rows.get(table, []), ""
    backup, trouble = _backup_objects(source, context)
    if trouble:
        return [], trouble
    objects = backup.objects
    found = state.model_of_table(table)
    if found is None:
        return [], f"{source} holds no rows of {table}."
    label, model = found
    columns = {name: field["column"] for name, field in model["fields"].items()}
    pk = _pk_column(model)
    rows = []
    for item in objects:
        if item.model == label:
            row = {pk: item.pk}
            for name, value in item.fields.items():
                row[columns.get(name, name)] = value
            rows.append(row)
    if not rows:
        return [], f"{source} holds no rows of {table}."
    return rows, ""


def _backup_objects(source: str, context: Context):
    """The objects of a backup file in the sandbox, or why there are none to read."""
    from .backups import BackupUnreadable, read_backup

    path = context.sandbox / source
    if not is_within(path, context.sandbox):
        return None, f"{source} is outside the sandbox: the tutor reads no file there."
    if not path.exists():
        return None, f"there is no file {source}."
    try:
        return read_backup(path), ""
    except BackupUnreadable as problem:
        return None, f"{source} is not a backup `dumpdata` writes: {problem.reason}."


def _backup(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    """The backup holds every row the tables had when the step began, by primary key and
    value (each column of the model's, as its field is named in the file)."""
    tables = list(e.options["tables"])
    of_start = e.options.get("of") == "start"
    when = "at the lesson's start" if of_start else "when this step began"
    text = f"{e.subject} holds every row of {listed(tables)} as it was {when}, by id and value"
    began = context.start if of_start else context.step_start
    if began is None:
        return text, False, f"the tutor does not know the rows {when}: `tutor reset`."
    backup, trouble = _backup_objects(e.subject, context)
    if trouble:
        return text, False, trouble
    unloadable = backup.loadable_as(Path(e.subject).name)
    if unloadable:  # a backup is one that can be loaded back
        return text, False, unloadable[0].upper() + unloadable[1:] + "."
    objects = backup.objects
    problems = []
    for table in tables:
        found = began.model_of_table(table) or state.model_of_table(table)
        rows = began.rows.get(table, [])
        if found is None:
            if rows:
                problems.append(f"no migration file describes {table}'s model")
            continue
        label, model = found
        problems += _backup_differences(table, label, model, rows, objects)
    if not problems:
        return text, True, ""
    return text, False, summarised(problems)


def _backup_differences(table: str, label: str, model: dict, rows: list[dict],
                        objects: list) -> list[str]:
    pk = _pk_column(model)
    fields = {field["column"]: name for name, field in model["fields"].items()
              if field["column"] != pk}
    saved = {str(item.pk): item for item in objects if item.model == label}
    missing = [row for row in rows if str(row.get(pk)) not in saved]
    problems = []
    # It holds the table, and nothing loaddata could not write back into it.
    had = {str(row.get(pk)) for row in rows}
    made_up = [key for key in saved if key not in had]
    if made_up:
        problems.append(f"it holds {'a row' if len(made_up) == 1 else 'rows'} of {table} with "
                        f"{pk} {listed(made_up)}, which {table} did not have")
    for key, item in saved.items():
        unknown = sorted(set(item.fields) - set(model["fields"]))
        if unknown:
            problems.append(f"its row with {pk} {key} has {listed(unknown)}, which "
                            f"{label} does not have: `loaddata` would refuse it")
    if missing:
        labels = [row_label(pk, row) for row in missing]
        problems.append(f"it lacks {'the row' if len(missing) == 1 else 'the rows'} of "
                        f"{table} with {listed(labels)}")
    for row in rows:
        item = saved.get(str(row.get(pk)))
        if item is None:
            continue
        for column, value in row.items():
            name = fields.get(column)
            if name is None:
                continue  # the primary key, or a column no field of the model names
            if name not in item.fields:
                problems.append(f"its row with {row_label(pk, row)} has no {name}")
            elif not same_value(item.fields[name], value):
                problems.append(f"its row with {row_label(pk, row)} has {name} "
                                f"{shown_value(item.fields[name])} ({table} had "
                                f"{shown_value(value)})")
    return problems


def _pk_column(model: dict) -> str:
    return "id" if "id" in model["fields"] else next(iter(model["fields"].values()))["column"]


def _row_differences(wanted: list[dict], rows: list[dict],
                     columns: list[str] | None) -> list[str]:
    if not wanted:
        return []
    key = "id" if "id" in wanted[0] else next(iter(wanted[0]))
    now = {row.get(key): row for row in rows}
    problems = []
    for row in wanted:
        label = row_label(key, row)
        current = now.get(row.get(key))
        if current is None:
            problems.append(f"the row with {label} is gone")
            continue
        for column in columns or [c for c in row if c != key]:
            if column not in current:
                if columns:
                    problems.append(f"the row with {label} has no column {column} any more")
                continue
            if column in row and not same_value(current[column], row[column]):
                problems.append(f"in the row with {label}, {column} is "
                                f"{shown_value(current[column])} (it was "
                                f"{shown_value(row[column])})")
    return [summarised(problems)] if problems else []


# How many differences a message names before it counts the rest.
DIFFERENCES_SHOWN = 4


def summarised(differences: list[str]) -> str:
    """The first few differences as one sentence, and how many more there are."""
    shown = differences[:DIFFERENCES_SHOWN]
    if len(differences) > DIFFERENCES_SHOWN:
        more = len(differences) - DIFFERENCES_SHOWN
        shown.append(f"and {plural(more, 'more difference')}")
    sentence = "; ".join(shown)
    return sentence[:1].upper() + sentence[1:] + "."


def row_label(key: str, row: dict) -> str:
    """How a message names a row: by its key, and its name where it has one."""
    name = row.get("name")
    return f"{key} {row.get(key)}" + (f" ({name})" if isinstance(name, str) else "")


def shown_value(value) -> str:
    return "NULL" if value is None else str(value)


def _values(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    table, column = e.subject.split(".")
    want = e.options.get("equal", [])
    text = f"{e.subject} holds {', '.join(map(str, want))} (in row order)"
    if table not in state.rows:
        return text, False, _no_table(state, table)
    rows = state.rows[table]
    if rows and column not in rows[0]:
        return text, False, f"{table} has no column {column}."
    if not rows and want:
        return text, False, f"{table} has no rows."
    found = [row[column] for row in rows]
    if len(found) == len(want) and all(map(same_value, found, want)):
        return text, True, ""
    return text, False, f"it holds {', '.join(map(shown_value, found)) or 'no rows'}."


def same_value(found, want) -> bool:
    """Numbers compare as decimals (SQLite returns 12 for a stored 12.00, dumpdata writes
    "12.00"); the rest exactly."""
    if isinstance(want, bool) or isinstance(found, bool):
        return found == want
    if isinstance(want, (int, float, Decimal)) or isinstance(found, (int, float, Decimal)):
        try:
            return Decimal(str(found)) == Decimal(str(want))
        except (InvalidOperation, ValueError):
            return False
    return found == want


# --- files ------------------------------------------------------------------------------------

def _no_file_contains(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    under = e.options.get("under", ".")
    needle = e.subject
    sandbox = context.sandbox
    hits = []
    for path in sorted((sandbox / under).rglob("*.py")):
        if "__pycache__" in path.parts or not is_within(path, sandbox):
            continue
        if needle in path.read_text(encoding="utf-8", errors="replace"):
            hits.append(str(path.relative_to(sandbox)))
    text = f"no file under {under}/ contains {needle!r}"
    verb = "contains" if len(hits) == 1 else "contain"
    return text, not hits, f"{listed(hits)} still {verb} {needle!r}."


def _file(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    path = context.sandbox / e.subject
    if not is_within(path.parent, context.sandbox):
        return f"file {e.subject} is as the step says", False, \
            f"{e.subject} is outside the sandbox: the tutor reads no file there."
    want = e.options.get("exists", True)
    if not want:
        return f"there is no file {e.subject}", not path.exists(), f"{e.subject} is still there."
    needle = e.options.get("contains")
    text = f"file {e.subject} exists" + (f" and contains {needle!r}" if needle else "")
    if not path.is_file():
        return text, False, f"there is no file {e.subject}."
    if needle and (not is_within(path, context.sandbox)
                   or needle not in path.read_text(encoding="utf-8", errors="replace")):
        return text, False, f"{e.subject} does not contain {needle!r}."
    return text, True, ""


def _branch(e: Expectation, state: SandboxState, context: Context) -> Verdict:
    text = f"the sandbox's git repository is on branch {e.subject}"
    if not state.git_branch:
        return text, False, "the sandbox is not a git repository."
    return text, state.git_branch == e.subject, f"it is on {state.git_branch}."


KINDS: dict[str, Callable[[Expectation, SandboxState, Context], Verdict]] = {
    "migration": _migration,
    "column": _column,
    "table": _table,
    "field": _field,
    "no_orphans": _no_orphans,
    "models_match_migrations": _models_match,
    "schema_matches_record": _schema_matches_record,
    "files_build_database": _files_build_database,
    "reverses": _reverses,
    "database_kept": _database_kept,
    "only_migrations": _only_migrations,
    "no_file_contains": _no_file_contains,
    "file": _file,
    "backup": _backup,
    "rows": _rows,
    "values": _values,
    "branch": _branch,
    "databases_agree": _databases_agree,
    "release_works": _release_works,
    "release_never_broke": _release_never_broke,
}
