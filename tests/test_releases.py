"""The running release (issue 14, point 3): a lesson declares releases of the shop's code as
data (the models they were built with, what they read and insert); the tutor runs the one
running at the learner's step against its database, with those models, in a process of its
own, after every command and in every check, and says when it breaks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import manage, tutor, tutor_json

from tutor.checks import Context, judge_expectation
from tutor.exceptions import LessonFileError
from tutor.lessons import lesson_problems, load_lesson
from tutor.paths import resource_dir
from tutor.reader import StateReader, read_state
from tutor.state import SandboxState

LESSON = resource_dir("lessons") / "expand-contract.toml"
DEPLOY = resource_dir("lessons") / "deploy-order.toml"  # its release is git's
OLD_RELEASE_READ = "no such column: store_product.discount"
NEW_RELEASE_INSERT = "NOT NULL constraint failed: store_product.discount"


def drop_discount(home: Path) -> None:
    """The one-deploy drop: the field out of the model, a RemoveField, applied on production."""
    models = home / "sandbox" / "store" / "models.py"
    models.write_text("".join(line for line in models.read_text(encoding="utf-8")
                              .splitlines(keepends=True) if "discount" not in line),
                      encoding="utf-8")
    assert manage(home, "makemigrations", "store").returncode == 0
    assert manage(home, "migrate", "--database", "production").returncode == 0


def runs(report: dict) -> dict:
    return report["running_release"]


# --- the release run against the real database -----------------------------------------------

def test_the_running_release_works_at_the_start_and_the_next_one_would_not(lesson_home):
    home = lesson_home("expand-contract")
    status, report = tutor_json(home, "check")
    assert status == 1
    assert runs(report) == {"name": "1.4", "database": "production", "works": True,
                            "does": ["reads name, price and discount", "inserts a product"],
                            "failures": [], "ref": "",
                            "fields": ["id", "name", "price", "discount"],
                            "missing_files": []}
    _, state = tutor_json(home, "status")
    assert state["releases"]["1.5"]["failures"] == [
        {"action": "insert", "error": NEW_RELEASE_INSERT}]
    assert state["releases"]["1.4"]["works"] is True


def test_dropping_the_column_in_one_deploy_breaks_the_running_release(lesson_home):
    home = lesson_home("expand-contract")
    drop_discount(home)
    result = tutor(home, "check")
    assert result.returncode == 1
    said = " ".join(result.stdout.split())
    assert (f"The running release 1.4, on production, broke: its read failed: "
            f"{OLD_RELEASE_READ}; its insert failed: table store_product has no column named "
            "discount.") in said, said
    assert "✗ release 1.4 works on production" in said
    assert "dropping the column broke it" in said
    # The step after it holds (1.5 works, the column is gone), but no check jumps there: 1.4
    # still runs during step 1.
    _, report = tutor_json(home, "check")
    assert report["step_index"] == 0 and report["passed_steps"] == []


def test_the_release_never_changes_its_database(lesson_home):
    """Its insert goes in and is rolled back: production's file is byte for byte the same,
    and `tutor watch` (which wakes on a database file's change) is not woken by a check."""
    home = lesson_home("expand-contract")
    production = home / "sandbox" / "production.sqlite3"
    before = hashlib.sha256(production.read_bytes()).hexdigest(), production.stat().st_mtime_ns
    _, report = tutor_json(home, "check")
    assert runs(report)["works"] is True  # the insert went in (and was undone)
    assert (hashlib.sha256(production.read_bytes()).hexdigest(),
            production.stat().st_mtime_ns) == before
    rows = manage(home, "shell", "-c", "from store.models import Product; print(sorted("
                  "Product.objects.using('production').values_list('name', flat=True)))")
    assert rows.stdout.strip().splitlines()[-1] == "['Coffee mug', 'Teapot']"


def test_a_release_whose_database_is_gone_says_so_and_makes_none(lesson_home):
    home = lesson_home("expand-contract")
    production = home / "sandbox" / "production.sqlite3"
    production.unlink()
    _, report = tutor_json(home, "check")
    assert runs(report)["failures"] == [
        {"action": "database", "error": "production.sqlite3 does not exist"}]
    result = tutor(home, "check")
    assert ("The running release 1.4, on production, broke: it cannot reach its database: "
            "production.sqlite3 does not exist.") in " ".join(result.stdout.split())
    assert not production.exists()


def test_every_way_of_reading_a_state_runs_the_releases_alike(lesson_home, warm_reader):
    """In this process (a one-shot `tutor check`), through the warm helper's forked children,
    and in new processes (where there is no fork): the same runs."""
    home = lesson_home("expand-contract")
    drop_discount(home)
    sandbox = home / "sandbox"
    from tutor.workspace import Workspace

    requests = Workspace(home, reader=warm_reader).release_requests()
    assert [r["name"] for r in requests] == ["1.4", "1.5"]
    by_helper = warm_reader.read(sandbox, releases=requests).releases
    in_processes = read_state(sandbox, releases=requests).releases
    assert by_helper == in_processes
    assert by_helper["1.4"].failures[0] == ("read", OLD_RELEASE_READ)
    assert by_helper["1.5"].works
    # A one-shot reader reads its first state in its own process: the releases run beside it.
    result = tutor(home, "check", "--json")  # (the test CLI shares the warm reader)
    assert json.loads(result.stdout)["running_release"]["failures"][0]["error"] \
        == OLD_RELEASE_READ
    first = StateReader(in_process=False).read(sandbox, releases=requests[:1]).releases
    assert list(first) == ["1.4"] and not first["1.4"].works


def test_a_release_whose_models_do_not_load_is_said_to_fail_to_start(lesson_home, warm_reader):
    home = lesson_home("expand-contract")
    from tutor.workspace import Workspace

    request = Workspace(home, reader=warm_reader).release_requests()[0]
    broken = {**request, "models_source": "from django.db import models\n\nclass Product(\n"}
    run = warm_reader.read(home / "sandbox", releases=[broken]).releases["1.4"]
    assert run.failures and run.failures[0][0] == "start"
    assert "SyntaxError" in run.failures[0][1]


def test_the_release_reads_its_own_models_not_the_sandboxs(lesson_home, warm_reader):
    """The learner's models.py is the next release; the running one keeps its own, even while
    the sandbox's `store` package cannot be imported at all."""
    import subprocess
    import sys

    from tutor.workspace import Workspace

    home = lesson_home("expand-contract")
    (home / "sandbox" / "store" / "models.py").write_text("raise RuntimeError('mid-edit')\n",
                                                          encoding="utf-8")
    request = Workspace(home, reader=warm_reader).release_requests()[0]
    answer = subprocess.run([sys.executable, "-P", "-m", "tutor.release"],
                            input=json.dumps(request), capture_output=True, text=True,
                            cwd=home / "sandbox",
                            env={"PYTHONPATH": str(resource_dir("lessons").parent)})
    assert json.loads(answer.stdout)["works"] is True, answer.stdout + answer.stderr
    assert "mid-edit" not in answer.stderr


# --- the lesson format ------------------------------------------------------------------------

def _with(tmp_path: Path, lesson: Path, old: str, new: str) -> Path:
    text = lesson.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / lesson.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("lesson, old, new, field, problem", [
    (LESSON, 'database = "production"\nmodels = "0004', 'database = "staging"\nmodels = "0004',
     "releases[0].database", "'staging' is not a database of this lesson"),
    (LESSON, 'name = "1.5"', 'name = "1.4"', "releases", "names a release twice"),
    (LESSON, 'models = "0003_change_price_field"', 'models = "no_such_models"',
     "releases[1].models", "no models version models/no_such_models.py"),
    (LESSON, 'models = "0003_change_price_field"', 'models = "../../etc/passwd"',
     "releases[1].models", "leads out of the lesson's folder"),
    (LESSON, 'release = "1.5"', 'release = "2.0"', "steps[1].release",
     "'2.0' is not a release of this lesson (one of 1.4, 1.5)"),
    (LESSON, 'release_works = "1.5"', 'release_works = "1.6"',
     "steps[0].expect[0].release_works", "'1.6' is not a release of this lesson"),
    (LESSON, 'release_works = "1.5"', 'release_works = false',
     "steps[0].expect[0].release_works", "must be true (the running release) or a release's name"),
    (LESSON, 'release_works = "1.5"', 'release_works = "1.5"\ndatabase = "production"',
     "steps[0].expect[0].database", "runs against the release's own database"),
    (LESSON, 'release_works = "1.4"\nsteps = [1]', 'release_works = true\nsteps = [1]',
     "invariants[0].release_works", "must name a release"),
    (LESSON, 'reads = ["name", "price"]\ninserts = [{ name = "Gift card", price = "25.00" }]',
     '', "releases[1]", "needs `reads` or `inserts`"),
    (LESSON, 'reads = ["name", "price"]', 'reads = ["name; DROP TABLE x"]', "releases[1].reads",
     "must list field names"),
    (LESSON, 'inserts = [{ name = "Gift card", price = "25.00" }]', 'inserts = [{ name = [1] }]',
     "releases[1].inserts[0]", "a table of field names and plain values"),
    (LESSON, 'name = "1.5"\n', 'name = "1.5"\nmodel = "os.system"\n',
     "releases[1].model", "is not a model's class name"),
    # A release from git.
    (DEPLOY, 'ref = "production"\n', 'ref = "production"\nmodels = "0003_change_price_field"\n',
     "releases[0]", "needs one of `models` (a models version) and `ref`"),
    (DEPLOY, 'ref = "production"\n', '', "releases[0]", "needs one of `models`"),
    (DEPLOY, 'ref = "production"', 'ref = "--upload-pack=evil"', "releases[0].ref",
     "is not a branch or tag name"),
    (DEPLOY, 'git = true\n', '', "releases[0].ref", "needs a git repository"),
    (DEPLOY, 'reads = "all"', 'reads = "some"', "releases[0].reads",
     'must list field names, or be "all"'),
    (DEPLOY, 'release_works = true\nknows = ["discount"]', 'release_works = true\nknows = "discount"',
     "steps[1].expect[0].knows", "a list"),
], ids=lambda value: value.stem if isinstance(value, Path) else None)
def test_a_bad_release_is_named_where_it_is(tmp_path, lesson, old, new, field, problem):
    path = _with(tmp_path, lesson, old, new)
    found = {p.field: p.problem for p in lesson_problems(path)}
    assert field in found and problem in found[field], found
    with pytest.raises(LessonFileError):
        load_lesson(path)


def test_release_works_needs_a_release(tmp_path):
    text = LESSON.read_text(encoding="utf-8")
    releases = text[text.index("[[releases]]"):text.index("[[steps]]")]
    path = tmp_path / "expand-contract.toml"
    path.write_text(text.replace(releases, "").replace('release = "1.5"\n', "")
                    .replace('release_works = "1.5"', "release_works = true"), encoding="utf-8")
    found = {p.field: p.problem for p in lesson_problems(path)}
    assert "needs a release: the lesson declares none" in found[
        "steps[0].expect[0].release_works"], found


def test_the_running_release_follows_the_steps():
    lesson = load_lesson(LESSON)
    assert [lesson.running_release(i).name for i in range(len(lesson.steps))] == ["1.4", "1.5"]
    # `release_works = true` names the release running at its step.
    assert [e.subject for e in lesson.steps[1].expectations if e.kind == "release_works"] \
        == ["1.5"]
    assert lesson.release("1.4").reads == ("name", "price", "discount")
    assert "models/0003_change_price_field.py" in lesson.start_resources()


# --- the judge, in memory ---------------------------------------------------------------------

def _state(runs: dict) -> SandboxState:
    return SandboxState.from_json({**SandboxState().to_json(), "releases": runs})


def _run(name: str, failures: list) -> dict:
    return {"name": name, "database": "production", "does": ["reads name and price"],
            "works": not failures, "failures": failures}


def test_release_works_is_judged_from_the_run_in_the_state():
    lesson = load_lesson(LESSON)
    expectation = next(e for e in lesson.steps[0].expectations if e.kind == "release_works")
    context = Context(Path("."))
    fine = judge_expectation(expectation, _state({"1.5": _run("1.5", [])}), context)
    assert fine.met and fine.text == "release 1.5 works on production (it reads name and price)"
    broken = judge_expectation(expectation, _state({"1.5": _run("1.5", [
        {"action": "insert", "error": NEW_RELEASE_INSERT}])}), context)
    assert not broken.met
    assert broken.detail == f"Its insert failed: {NEW_RELEASE_INSERT}."  # no cause is seen
    never_ran = judge_expectation(expectation, _state({}), context)
    assert not never_ran.met and "was not run" in never_ran.detail


# --- code from git: the deployed branch (issue 14, point 2) ----------------------------------

def git(home: Path, *args: str) -> str:
    from tutor.sandbox import run_git

    completed = run_git(home / "sandbox", list(args))
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_the_deployed_code_is_what_the_branch_holds_committed(lesson_home):
    """deploy-order's release is the code on branch production: a checkout of it with an
    uncommitted edit changes nothing; a commit there does."""
    home = lesson_home("deploy-order")
    _, report = tutor_json(home, "check")
    assert runs(report)["ref"] == "production" and runs(report)["works"]
    assert runs(report)["fields"] == ["id", "name", "price"]
    git(home, "checkout", "-q", "production")
    models = home / "sandbox" / "store" / "models.py"
    models.write_text(models.read_text(encoding="utf-8")
                      + "    colour = models.CharField(max_length=20, default='')\n",
                      encoding="utf-8")
    _, report = tutor_json(home, "check")
    assert runs(report)["works"] and runs(report)["fields"] == ["id", "name", "price"]
    git(home, "commit", "-q", "-am", "Read a colour")
    _, report = tutor_json(home, "check")
    assert runs(report)["fields"] == ["id", "name", "price", "colour"]
    assert runs(report)["failures"][0] == {
        "action": "read", "error": "no such column: store_product.colour"}


def test_deployed_code_without_a_migration_production_applied_is_said(lesson_home):
    home = lesson_home("deploy-order")
    assert manage(home, "migrate", "--database", "production").returncode == 0
    _, state = tutor_json(home, "status")
    run = state["releases"]["production"]
    # The schema went first: the running code has no file of 0004, which it never needs (it
    # does not migrate), but its next deploy would.
    assert run["missing_files"] == ["store.0004_add_discount_field"]
    assert run["failures"] == [{"action": "insert",
                                "error": "NOT NULL constraint failed: store_product.discount"}]


def test_a_deployed_branch_that_is_gone_is_said(lesson_home):
    home = lesson_home("deploy-order")
    git(home, "branch", "-D", "production")
    _, report = tutor_json(home, "check")
    assert runs(report)["failures"] == [{
        "action": "start",
        "error": "the sandbox's git repository has no store/models.py on 'production'"}]
    said = " ".join(tutor(home, "check").stdout.split())
    assert ("The code on branch production, running on production, broke: it cannot start: "
            "the sandbox's git repository has no store/models.py on 'production'.") in said


def test_knows_and_has_files_are_judged_from_the_run():
    lesson = load_lesson(DEPLOY)
    expectation = lesson.steps[1].expectations[0]
    assert expectation.options == {"knows": ["discount"], "has_files": True}
    context = Context(Path("."))

    def judged(fields, missing=()):
        run = {**_run("production", []), "ref": "production", "fields": fields,
               "missing_files": list(missing)}
        return judge_expectation(expectation, _state({"production": run}), context)

    fine = judged(["id", "name", "price", "discount"])
    assert fine.met and fine.text.startswith("the code on branch production works on "
                                             "production")
    old_code = judged(["id", "name", "price"])
    assert not old_code.met
    assert old_code.detail.startswith("Its models have no discount (they have id, name and "
                                      "price).")
    unfiled = judged(["id", "name", "price", "discount"], ["store.0005_x"])
    assert not unfiled.met and unfiled.detail.startswith(
        "It has no file of store.0005_x, which production has applied: its next `migrate` "
        "would find it orphaned.")
