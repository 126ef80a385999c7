"""Runs one release of the shop's code against one of the sandbox's databases, as the deployed
site would: with that release's own models (not the sandbox's, which the learner is changing),
in a process of its own, doing what the lesson says it does (reads some fields, inserts a
product). What it did and what failed, in Django's words, is a `state.ReleaseRun`.

A release never changes the database: its inserts are rolled back, and a database file that
is not there is reported, not created. `python -m tutor.release` reads one JSON request on
standard input and prints one JSON answer; the warm helper (`helper.py`) calls `run` in a
forked child instead, and the reader (`reader.py`) starts them beside the state's probe.

A request: {"name": "1.4", "database": "production", "database_file": PATH, "app": "store",
"model": "Product", "models_source": TEXT, "reads": [FIELD...], "reads_all": BOOL,
"inserts": [{FIELD: VALUE}...]}; for the code a git branch holds (built by `Workspace`), also
"ref" and "migration_files" (the app's migrations on that branch), or "models_error" when the
branch has no models to run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .markup import listed


class _RollBack(Exception):
    """Raised inside an insert's transaction so that it is undone once it has run."""


def describe(request: dict) -> list[str]:
    """What the release does, in words: "reads name, price and discount", "inserts a
    product"."""
    reads = [str(field) for field in request.get("reads", [])]
    noun = str(request.get("model", "")).lower()
    words = [f"reads {listed(reads)}"] if reads else []
    if request.get("reads_all"):
        words.append(f"reads every field of a {noun}")
    return words + [f"inserts a {noun}" for _ in request.get("inserts", [])]


def answer_from(request: dict, output: str) -> dict:
    """The answer a release's process printed (its last line), or, when it printed none, one
    that says it stopped without an answer."""
    lines = output.strip().splitlines()
    try:
        answer = json.loads(lines[-1])
        if isinstance(answer, dict) and {"name", "database", "does", "failures"} <= set(answer):
            return answer
    except (IndexError, ValueError):
        pass
    return _answer(request, [("start", "it stopped without an answer")])


def _answer(request: dict, failures: list[tuple[str, str]], **found) -> dict:
    """A `ReleaseRun`'s JSON: what the release does, what failed, and what its run `found`
    (`fields`, `missing_files`)."""
    return {"name": str(request.get("name", "")), "database": str(request.get("database", "")),
            "does": describe(request), "ref": str(request.get("ref", "")),
            "fields": [], "missing_files": [], **found, "works": not failures,
            "failures": [{"action": action, "error": error} for action, error in failures]}


def run(request: dict) -> dict:
    """Run the release once, in this process (which must not have set Django up), and answer
    with a `ReleaseRun`'s JSON."""
    found: dict = {}
    try:
        failures = _run(request, found)
    except Exception as error:  # noqa: BLE001 - the release's code is the lesson's, not ours
        failures = [("start", f"{type(error).__name__}: {error}")]
    return _answer(request, failures, **found)


def _run(request: dict, found: dict) -> list[tuple[str, str]]:
    """Each failure as (what failed, Django's error): "read", "insert", or before either,
    "database" (its file is gone) or "start" (its models do not load). The model's fields go
    into `found`, and for a release from git, the migrations its database has applied that
    it has no file of (`missing_files`)."""
    import shutil
    import tempfile

    if request.get("models_error"):
        return [("start", str(request["models_error"]))]
    database = Path(request["database_file"])
    if not database.is_file():
        return [("database", f"{database.name} does not exist")]
    app = request["app"]
    folder = Path(tempfile.mkdtemp(prefix="tutor-release-"))
    try:
        (folder / app).mkdir()
        (folder / app / "__init__.py").write_text("", encoding="utf-8")
        (folder / app / "models.py").write_text(request["models_source"], encoding="utf-8")
        sys.path.insert(0, str(folder))
        model = _set_up(app, request["model"], database)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # its modules are imported by now
    fields = [field.name for field in model._meta.concrete_fields]
    found["fields"] = fields
    failures = []
    if request.get("reads"):
        try:
            list(model.objects.values(*request["reads"])[:100])
        except Exception as error:  # noqa: BLE001 - Django's error is the finding
            failures.append(("read", str(error)))
    if request.get("reads_all"):
        try:
            list(model.objects.all()[:100])  # every field its model has, as Django code reads
        except Exception as error:  # noqa: BLE001
            failures.append(("read", str(error)))
    for values in request.get("inserts", []):
        # A release writes the fields its code knows: a value for another is left out.
        error = _insert(model, {key: value for key, value in values.items() if key in fields})
        if error:
            failures.append(("insert", error))
    if "migration_files" in request:
        # Not a failure of the running code (it never migrates), but its next deploy's.
        found["missing_files"] = [f"{app}.{name}" for name in
                                   _applied_without_file(app, set(request["migration_files"]))]
    return failures


def _applied_without_file(app: str, files: set[str]) -> list[str]:
    """The app's migrations its database has applied that the release has no file of: its
    next `migrate` would find them orphaned."""
    from django.db import connection

    if "django_migrations" not in connection.introspection.table_names():
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM django_migrations WHERE app = %s ORDER BY name", [app])
        return [name for (name,) in cursor.fetchall() if name not in files]


def _set_up(app: str, model_name: str, database: Path):
    import django
    from django.apps import apps
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=[app],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database),
                               "OPTIONS": {"timeout": 1}}},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",  # as the sandbox's settings
        USE_TZ=True, TIME_ZONE="UTC",
    )
    django.setup()
    return apps.get_model(app, model_name)


def _insert(model, values: dict) -> str:
    """Insert one row and roll it back: Django's error, or "" when it went in."""
    from django.db import transaction

    try:
        with transaction.atomic():
            model.objects.create(**values)
            raise _RollBack
    except _RollBack:
        return ""
    except Exception as error:  # noqa: BLE001
        return str(error)


def main() -> int:
    request = json.loads(sys.stdin.read())
    out = sys.stdout
    sys.stdout = sys.stderr  # whatever the release's code prints stays out of the answer
    answer = run(request)
    out.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
