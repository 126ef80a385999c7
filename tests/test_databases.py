"""Several databases in one sandbox (issue 14, point 1): a lesson declares databases beside the
learner's own, each built to its own start; the learner works on them with Django's real
`--database`; the state view, `status --json` and every check see each database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import manage, tutor, tutor_json

from tutor.exceptions import LessonFileError
from tutor.lessons import lesson_problems, load_lesson
from tutor.state import SandboxState

LESSON = r"""
format = 1
id = "team-databases"
title = "Your teammate migrated"
summary = "0004 is unapplied here and applied on your teammate's database."
introduces = ["several-databases"]
needs = ["migrate", "migrate-target"]
intro = "Your teammate pulled and migrated; you did not. Production is behind both of you."

[start]
migrations = ["0001_initial", "0002_add_price_to_product", "0003_change_price_field",
              "0004_add_discount_field"]
applied = "0003_change_price_field"
databases = [
    { name = "teammate", applied = "0004_add_discount_field" },
    { name = "production", applied = "0002_add_price_to_product" },
]
# Production runs an older release: its table has no discount column, so the row is written
# in SQL, not with today's models.
commands = ['''python manage.py shell -c "from django.db import connections; connections['production'].cursor().execute(\"INSERT INTO store_product (name, price) VALUES ('Mug', 9.99)\")"''']

[[invariants]]
database_kept = true
database = "production"

[[invariants]]
rows = "store_product"
same_as = "start"
database = "production"

[[steps]]
title = "Undo 0004 on the teammate's database"
goal = "Unapply `0004_add_discount_field` on `teammate` only."
hints = ["`python manage.py migrate store 0003 --database teammate`"]
solution = ["python manage.py migrate store 0003 --database teammate"]

[[steps.expect]]
migration = "store.0004_add_discount_field"
applied = false
database = "teammate"

[[steps.expect]]
column = "store_product.discount"
exists = false
database = "teammate"

[[steps.expect]]
migration = "store.0003_change_price_field"
applied = true
database = "teammate"

[[steps.expect]]
migration = "store.0003_change_price_field"
applied = false
database = "production"

[[steps.expect]]
migration = "store.0003_change_price_field"
applied = true
"""


@pytest.fixture
def course(tmp_path, monkeypatch) -> tuple[str, str]:
    monkeypatch.setenv("TUTOR_TRUST_COURSE", "1")  # a course of our own: see test_trust.py
    lessons = tmp_path / "workshop" / "lessons"
    lessons.mkdir(parents=True)
    (lessons / "team-databases.toml").write_text(LESSON, encoding="utf-8")
    path = tmp_path / "workshop" / "course.toml"
    path.write_text('format = 1\nlessons_dir = "lessons"\n'
                    'order = ["team-databases", "revert-applied"]\n', encoding="utf-8")
    return "--course", str(path)


@pytest.fixture
def built(home, course) -> Path:
    result = tutor(home, "reset", "team-databases", *course)
    assert result.returncode == 0, result.stdout + result.stderr
    return home


def check(home: Path, course) -> dict:
    status, report = tutor_json(home, "check", *course)
    assert status in (0, 1), report
    return report


def unmet(report: dict) -> list[str]:
    return [e["text"] for e in report["expectations"] if not e["met"]]


def test_each_database_is_built_to_its_own_start_and_real_django_sees_it(built, course):
    sandbox = built / "sandbox"
    assert (sandbox / "teammate.sqlite3").is_file() and (sandbox / "production.sqlite3").is_file()
    settings = (sandbox / "shop" / "settings.py").read_text(encoding="utf-8")
    assert 'DATABASES["teammate"] = ' in settings and "--database NAME" in settings
    shown = manage(built, "showmigrations", "store", "--database", "teammate").stdout
    assert "[X] 0004_add_discount_field" in shown
    shown = manage(built, "showmigrations", "store", "--database", "production").stdout
    assert "[X] 0002_add_price_to_product" in shown and "[ ] 0003_change_price_field" in shown
    assert "[ ] 0004_add_discount_field" in manage(built, "showmigrations", "store").stdout

    _, data = tutor_json(built, "status", *course)
    assert {m["database"] for m in data["migrations"]} == {"default"}
    assert set(data["databases"]) == {"teammate", "production"}
    teammate = data["databases"]["teammate"]
    assert all(m["database"] == "teammate" for m in teammate["migrations"])
    assert [m["name"] for m in teammate["migrations"] if m["applied"]][-1] \
        == "0004_add_discount_field"
    assert "discount" in [c["name"] for c in teammate["tables"]["store_product"]]
    assert data["databases"]["production"]["row_counts"] == {"store_product": 1}
    assert data["row_counts"] == {"store_product": 0}  # the start's rows went to production
    state = SandboxState.from_json(data)
    assert state.on("teammate").migration("store", "0004_add_discount_field").applied
    assert SandboxState.from_json(state.to_json()) == state

    shown = tutor(built, "status", *course).stdout
    assert "store migrations, applied on each database" in shown
    assert "teammate" in shown and "Database production: store_product (1 row: id, name, "\
        "price)" in shown


def test_checks_judge_the_database_each_expectation_names(built, course):
    report = check(built, course)
    assert not report["passed"]
    assert unmet(report) == ["on teammate: store.0004_add_discount_field is not applied",
                             "on teammate: column store_product.discount does not exist"]
    assert "on teammate is 0004_add_discount_field" in report["where"]


def test_migrating_the_learners_own_database_does_nothing_for_the_teammates(built, course):
    """The single-database habit: `migrate store 0002` here leaves the teammate's 0004."""
    manage(built, "migrate", "store", "0002")
    report = check(built, course)
    assert "on teammate: store.0004_add_discount_field is not applied" in unmet(report)
    assert "store.0003_change_price_field is applied" in unmet(report)
    assert "store.0003_change_price_field should still be applied (reverted too far?)" \
        in report["where"]


def test_reverting_the_teammate_too_far_is_said_on_that_database(built, course):
    manage(built, "migrate", "store", "0002", "--database", "teammate")
    report = check(built, course)
    assert unmet(report) == ["on teammate: store.0003_change_price_field is applied"]
    assert ("store.0003_change_price_field should still be applied on teammate (reverted too "
            "far?)") in report["where"]


def test_migrating_production_forward_is_caught(built, course):
    manage(built, "migrate", "store", "0003", "--database", "teammate")
    manage(built, "migrate", "store", "--database", "production")
    report = check(built, course)
    assert unmet(report) == ["on production: store.0003_change_price_field is not applied"]


def test_a_production_database_made_again_is_not_the_one_kept(built, course):
    sandbox = built / "sandbox"
    (sandbox / "production.sqlite3").unlink()
    manage(built, "migrate", "store", "0002", "--database", "production")
    manage(built, "migrate", "store", "0003", "--database", "teammate")
    report = check(built, course)
    assert unmet(report) == [
        "on production: production.sqlite3 is the database this lesson started with",
        "on production: table store_product keeps every row it had when the lesson started, "
        "with the same id and values"]
    details = " ".join(e["detail"] for e in report["expectations"] if not e["met"])
    assert "production.sqlite3 is a new database" in details
    assert "The row with id 1 (Mug) is gone." in details


def test_the_right_command_passes_with_a_name_prefix_and_an_equals_sign(built, course):
    manage(built, "migrate", "store", "0003", "--database=teammate")
    report = check(built, course)
    assert report["passed"] and report["lesson_complete"], unmet(report)


def test_the_reference_solution_passes(built, course):
    result = tutor(built, "solve", *course)
    assert result.returncode == 0 and "Lesson complete" in result.stdout, result.stdout


def test_another_lessons_sandbox_has_none_of_these_databases(built, course):
    result = tutor(built, "reset", "revert-applied", *course)
    assert result.returncode == 0, result.stderr
    sandbox = built / "sandbox"
    assert not list(sandbox.glob("*.sqlite3"))[1:]  # db.sqlite3 only
    assert "teammate" not in (sandbox / "shop" / "settings.py").read_text(encoding="utf-8")
    _, data = tutor_json(built, "status", *course)
    assert data["databases"] == {}


@pytest.mark.parametrize("addition, field, problem", [
    ('database = "teammate"', "", ""),  # a control: a declared database loads
    ('database = "staging"', "steps[0].expect[4].database",
     "'staging' is not a database of this lesson"),
    ('\n[[steps.expect]]\nfile = "manage.py"\ndatabase = "teammate"',
     "steps[0].expect[5].database", "is about the files, which every database shares"),
])
def test_an_expectation_names_a_database_the_lesson_has(tmp_path, addition, field, problem):
    path = tmp_path / "team-databases.toml"
    assert LESSON.endswith('applied = true\n')  # the last expectation: the learner's own
    path.write_text(LESSON + addition + "\n", encoding="utf-8")
    found = {p.field: p.problem for p in lesson_problems(path)}
    if not field:
        assert found == {}
        assert load_lesson(path).steps[0].expectations[4].database == "teammate"
        return
    assert field in found and problem in found[field], found
    with pytest.raises(LessonFileError):
        load_lesson(path)


@pytest.mark.parametrize("entry, problem", [
    ('{ name = "default", applied = "0002_add_price_to_product" }', "other than 'default'"),
    ('{ name = "Prod!", applied = "0002_add_price_to_product" }', "lower-case name"),
    ('{ name = "staging", applied = "0009_nothing" }', "not one of that app's start migrations"),
    ('{ name = "staging", applied = { orders = "0001_initial" } }', "not an app of this"),
    ('{ name = "teammate" }', "names a database twice"),
])
def test_a_bad_database_in_the_start_is_named(tmp_path, entry, problem):
    path = tmp_path / "team-databases.toml"
    path.write_text(LESSON.replace('    { name = "production", applied = '
                                   '"0002_add_price_to_product" },',
                                   f'    {{ name = "production", applied = '
                                   f'"0002_add_price_to_product" }},\n    {entry},'),
                    encoding="utf-8")
    found = " ".join(p.problem for p in lesson_problems(path))
    assert problem in found, found


def test_lint_lessons_plays_a_lesson_with_several_databases(course, tmp_path):
    folder = Path(course[1]).parent / "lessons"
    result = tutor(None, "lint-lessons", str(folder), "--solve", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["lessons"][0]["solved"] is True, report


def test_what_changed_names_the_database_it_changed_on(built, course):
    from tutor.changes import describe_changes
    from tutor.reader import StateReader

    reader = StateReader()
    try:
        before = reader.read(built / "sandbox")
        manage(built, "migrate", "store", "0003", "--database", "teammate")
        after = reader.read(built / "sandbox")
    finally:
        reader.close()
    assert describe_changes(before, after) == [
        "on teammate: store.0004_add_discount_field: applied -> not applied",
        "on teammate: column store_product.discount: dropped"]


def test_databases_agree_holds_only_when_every_database_is_at_one_point(built, course):
    from tutor.checks import Context, judge_expectation
    from tutor.lessons import Expectation
    from tutor.reader import StateReader

    agree = Expectation("databases_agree", "store", {"databases": ["default", "teammate"]})
    everywhere = Expectation("databases_agree", "store", {})
    reader = StateReader()
    try:
        state = reader.read(built / "sandbox")
        outcome = judge_expectation(agree, state, Context(built / "sandbox"))
        assert outcome.text == "store's applied migrations are the same on default and teammate"
        assert not outcome.met
        assert outcome.detail == ("default has up to 0003_change_price_field applied; teammate "
                                  "has up to 0004_add_discount_field applied.")
        manage(built, "migrate", "store", "--database", "default")
        state = reader.read(built / "sandbox")
        assert judge_expectation(agree, state, Context(built / "sandbox")).met
        outcome = judge_expectation(everywhere, state, Context(built / "sandbox"))
        assert not outcome.met and "production has up to 0002_add_price_to_product" \
            in outcome.detail
    finally:
        reader.close()


def test_a_question_asks_about_the_database_it_names(built, course):
    from tutor.lessons import Question
    from tutor.questions import judge, pose
    from tutor.reader import StateReader

    reader = StateReader()
    try:
        state = reader.read(built / "sandbox")
    finally:
        reader.close()
    there = pose(Question("Applied on teammate?", "applied_migrations", database="teammate"),
                 state)
    assert judge(there, ["0001", "0002", "0003", "0004"])[0]
    assert not judge(there, ["0001", "0002", "0003"])[0]  # the learner's own database's view
    here = pose(Question("Applied here?", "applied_migrations"), state)
    assert judge(here, ["0001", "0002", "0003"])[0]


def test_lint_lessons_solves_the_new_lessons_of_issue_14(tmp_path):
    """Issue 14's lessons, played through by `lint-lessons --solve` as an instructor would
    (test_playthrough and the learner paths play them from the shipped folder)."""
    import shutil

    from tutor.paths import resource_dir

    folder = tmp_path / "team"
    folder.mkdir()
    for lesson in ("applied-elsewhere", "guard-in-ci", "roll-forward", "rename-not-drop",
                   "expand-contract", "deploy-order"):
        shutil.copy(resource_dir("lessons") / f"{lesson}.toml", folder)
    (folder / "models").mkdir()
    for models in ("roll-forward_0004.py", "rename-not-drop_cost.py"):
        shutil.copy(resource_dir("lessons") / "models" / models, folder / "models")
    result = tutor(None, "lint-lessons", str(folder), "--solve", "--json", "--trust-course")
    report = json.loads(result.stdout)
    assert result.returncode == 0, report
    assert {(x["id"], x["solved"], x["steps"]) for x in report["lessons"]} == {
        ("applied-elsewhere", True, 2), ("guard-in-ci", True, 3), ("roll-forward", True, 2),
        ("rename-not-drop", True, 3), ("expand-contract", True, 2), ("deploy-order", True, 2)}


def test_a_database_taken_out_of_the_settings_is_said_to_be_missing(built, course):
    """Whatever the expectation, one about a database the settings no longer name fails, with
    its own claim and the reason (it would hold on an empty database: it must not)."""
    settings = built / "sandbox" / "shop" / "settings.py"
    text = settings.read_text(encoding="utf-8")
    settings.write_text("\n".join(line for line in text.splitlines()
                                  if not line.startswith('DATABASES["teammate"]')) + "\n",
                        encoding="utf-8")
    report = check(built, course)
    missing = [e for e in report["expectations"] if e["text"].startswith("on teammate: ")]
    assert [e["text"] for e in missing] == [
        "on teammate: store.0004_add_discount_field is not applied",
        "on teammate: column store_product.discount does not exist",
        "on teammate: store.0003_change_price_field is applied"]
    assert all(not e["met"] and "the sandbox has no database 'teammate' in "
               "settings.DATABASES" in e["detail"] for e in missing)
