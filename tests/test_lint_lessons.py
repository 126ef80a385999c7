"""`tutor lint-lessons DIR [--solve]`: every problem of a folder of lesson files, each with its
file and field, and (with --solve) lessons played through with their reference solutions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import tutor

from tutor.paths import resource_dir

SHIPPED = resource_dir("lessons")


@pytest.fixture
def lessons(tmp_path) -> Path:
    """A private copy of the shipped lessons, to break files of it."""
    folder = tmp_path / "lessons"
    shutil.copytree(SHIPPED, folder)
    return folder


def break_file(folder: Path, lesson: str, old: str, new: str) -> None:
    path = folder / f"{lesson}.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, (lesson, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def lint(folder: Path, *options: str) -> tuple[int, dict]:
    result = tutor(None, "lint-lessons", str(folder), "--json", *options)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def found(report: dict) -> set[tuple[str, str]]:
    return {(p["file"], p["field"]) for p in report["problems"]}


SHIPPED_COUNT = len(list(SHIPPED.glob("*.toml"))) - 1  # every file but course.toml


def test_the_shipped_lessons_are_clean():
    status, report = lint(SHIPPED)
    assert status == 0 and report["ok"] and report["problems"] == []
    assert len(report["lessons"]) == SHIPPED_COUNT >= 18
    assert all(x["loaded"] for x in report["lessons"])
    text = tutor(None, "lint-lessons", str(SHIPPED))
    assert text.returncode == 0
    assert f"{SHIPPED_COUNT} lesson files: no problems." in text.stdout


# Each kind of broken lesson: (lesson, old text, new text, field reported, words of the problem).
BREAKAGES = [
    ("deleted-applied-file", "format = 1", 'format = 1\nauthor = "me"', "author",
     "is not a known field"),
    ("revert-applied", 'title = "Unapply 0003', 'titel = "Unapply 0003', "steps[0].title",
     "is missing"),
    ("delete-unapplied", "hints = [", "hints = []\nold_hints = [", "steps[0].hints",
     "needs at least one hint"),
    ("revert-several", 'summary = "', 'summary = 3\nold_summary = "', "summary", "must be a string"),
    ("revert-applied", "solution = [\n    { delete", "solutions = [\n    { delete",
     "steps[1].solution", "is missing"),
    ("revert-to-zero", 'migration = "store.0001_initial"', 'migration = "store.0001_inital"',
     "steps[1].expect[0].migration", "'0001_inital'"),
    ("data-loss-on-revert", 'migration = "store.0002_add_price_to_product"',
     'migration = "store.0003_add_price_to_product"', "steps[0].expect[1].migration",
     "not in the start's migrations"),
    ("cross-app-revert", 'name = "orders"', 'name = "invoices"', "start.apps[0].name",
     "'invoices' is not an app a lesson can add (one of orders)"),
    ("branch-switch", "git = true\n", "", "start.commands[1]",
     "runs git, so [start] needs git = true"),
    # A migration named by what it does names others too: a typo there is found as well.
    ("fix-broken-default", 'only_migrations = ["0001_initial", { after = "0001_initial"',
     'only_migrations = ["0001_initial", { after = "0001_inital"',
     "steps[2].expect[1].only_migrations", "'0001_inital'"),
    ("reset-all", "format = 1", "format = 1\n[oops", "", "not valid TOML"),
    ("fake-the-record", '"0004_add_discount_field"', '"0004_add_discount_fields"',
     "start.migrations[3]", "no models version models/0004_add_discount_fields.py"),
]


def test_each_kind_of_broken_lesson_is_reported_with_file_and_field(lessons):
    for lesson, old, new, _, _ in BREAKAGES:
        break_file(lessons, lesson, old, new)
    status, report = lint(lessons)
    assert status == 1 and not report["ok"]
    problems = {(p["file"], p["field"]): p["problem"] for p in report["problems"]}
    for lesson, _, _, field, words in BREAKAGES:
        key = (f"{lesson}.toml", field)
        assert key in problems, (key, sorted(problems))
        assert words in problems[key], (key, problems[key])
    # Untouched files are not reported.
    assert not {f for f, _ in problems} & {"first-migrations.toml", "irreversible-migration.toml"}
    # Plain output: one line per problem, file and field first.
    text = tutor(None, "lint-lessons", str(lessons))
    assert text.returncode == 1
    assert "deleted-applied-file.toml: author: is not a known field" in text.stdout
    assert f"{len(report['problems'])} problem(s)" in text.stdout


def test_every_problem_of_one_file_is_reported_not_only_the_first(lessons):
    break_file(lessons, "revert-applied", 'title = "Undo an applied migration"', "")
    break_file(lessons, "revert-applied", "hints = [", "hints = []\nold_hints = [")
    break_file(lessons, "revert-applied", 'applied = "0003_change_price_field"',
               'applied = "0009_nope"')
    # A later step with a misspelt field, and a loadable lesson with two unknown migrations.
    break_file(lessons, "revert-applied", 'title = "Drop the change', 'tilte = "Drop the change')
    break_file(lessons, "revert-several", 'migration = "store.0003_change_price_field"',
               'migration = "store.0003_change_prize_field"')
    break_file(lessons, "revert-several", 'migration = "store.0004_add_discount_field"',
               'migration = "store.0004_add_discount"')
    _, report = lint(lessons)
    assert {f for f, _ in found(report)} == {"revert-applied.toml", "revert-several.toml"}
    fields = {field for file, field in found(report) if file == "revert-applied.toml"}
    assert {"title", "start.applied", "steps[0].hints", "steps[1].title"} <= fields
    several = [p for p in report["problems"] if p["file"] == "revert-several.toml"]
    assert len(several) >= 2
    assert any("0003_change_prize_field" in p["problem"] for p in several)
    assert any("0004_add_discount'" in p["problem"] for p in several)


def test_a_migration_made_by_makemigrations_name_is_known(tmp_path):
    """A lesson that makes a migration with `makemigrations store --name X` may expect
    `0002_X` (Django numbers it); with the name changed, the expectation is reported."""
    folder = tmp_path / "ours"
    folder.mkdir()
    lesson = (SHIPPED / "revert-applied.toml").read_text(encoding="utf-8").replace(
        'solution = ["python manage.py migrate store 0002"]',
        'solution = ["python manage.py migrate store 0002", '
        '"python manage.py makemigrations store --name made_here"]', 1).replace(
        '[[steps.expect]]\nmigration = "store.0003_change_price_field"\napplied = false\n',
        '[[steps.expect]]\nmigration = "store.0003_change_price_field"\napplied = false\n\n'
        '[[steps.expect]]\nmigration = "store.0004_made_here"\non_disk = false\n', 1).replace(
        'needs = ["migrate"]', 'needs = ["migrate", "makemigrations"]', 1)
    (folder / "revert-applied.toml").write_text(lesson, encoding="utf-8")
    assert lint(folder)[0] == 0
    path = folder / "revert-applied.toml"
    path.write_text(lesson.replace("--name made_here", "--name made_there"), encoding="utf-8")
    status, report = lint(folder)
    assert status == 1
    assert found(report) == {("revert-applied.toml", "steps[0].expect[1].migration")}


def test_another_apps_migrations_are_checked_too(lessons):
    break_file(lessons, "cross-app-revert", 'migration = "orders.0001_initial"',
               'migration = "orders.0001_initail"')
    break_file(lessons, "cross-app-revert", 'schema_matches_record = "store"',
               'migration = "invoices.0001_initial"')
    _, report = lint(lessons)
    problems = {p["field"]: p["problem"] for p in report["problems"]
                if p["file"] == "cross-app-revert.toml"}
    assert problems == {
        "steps[0].expect[0].migration":
            "names the orders migration '0001_initail', which is not in the start's migrations "
            "and no `makemigrations --name` or `squashmigrations` of this lesson makes",
        "steps[2].expect[2].migration":
            "names the invoices migration '0001_initial', which is not in the start's "
            "migrations and no `makemigrations --name` or `squashmigrations` of this lesson "
            "makes (the lesson's start has no app invoices)",
    }


def test_a_squash_is_known_by_the_name_django_gives_it(tmp_path):
    """`squashmigrations store 0001 0004` writes 0001_initial_squashed_0004_add_discount_field:
    an expectation may name it; a typo in it is reported."""
    folder = tmp_path / "ours"
    folder.mkdir()
    path = folder / "squashed-migrations.toml"
    text = (SHIPPED / "squashed-migrations.toml").read_text(encoding="utf-8")
    assert "squashmigrations store 0001 0004" in text
    squash = '[[steps.expect]]\nmigration = "store.{}"\napplied = true\n\n[[steps]]'
    first_step_end = text.index("[[steps]]", text.index("[[steps]]") + 1)
    path.write_text(text[:first_step_end] + squash.format(
        "0001_initial_squashed_0004_add_discount_field") + text[first_step_end + 9:],
        encoding="utf-8")
    assert lint(folder)[0] == 0
    path.write_text(text[:first_step_end] + squash.format(
        "0001_initial_squashed_0004_add_discount") + text[first_step_end + 9:], encoding="utf-8")
    status, report = lint(folder)
    assert status == 1
    assert [p["problem"] for p in report["problems"]] == [
        "names the store migration '0001_initial_squashed_0004_add_discount', which is not in "
        "the start's migrations and no `makemigrations --name` or `squashmigrations` of this "
        "lesson makes"]
    # --squashed-name gives the squash the start's number and the name given.
    renamed = text[:first_step_end].replace(
        "squashmigrations store 0001 0004", "squashmigrations store 0001 0004 --squashed-name all")
    path.write_text(renamed + squash.format("0001_all") + text[first_step_end + 9:],
                    encoding="utf-8")
    assert lint(folder)[0] == 0


def test_a_question_target_must_name_a_known_migration(tmp_path):
    folder = tmp_path / "ours"
    folder.mkdir()
    lesson = (SHIPPED / "delete-unapplied.toml").read_text(encoding="utf-8")
    question = '''
[steps.question]
ask = "Which applied migrations would `migrate store {target}` undo?"
answer = "would_unapply"
target = "{target}"
'''
    first_step_end = lesson.index("[[steps.expect]]")
    for target, ok in [("0002", True), ("0003_change_price_field", True), ("zero", True),
                       ("0007", False), ("0003_change_prize_field", False)]:
        text = lesson[:first_step_end] + question.format(target=target) + lesson[first_step_end:]
        (folder / "delete-unapplied.toml").write_text(text, encoding="utf-8")
        status, report = lint(folder)
        assert (status == 0) is ok, (target, report["problems"])
        if not ok:
            assert found(report) == {("delete-unapplied.toml", "steps[0].question.target")}


def test_the_course_file_of_the_folder_is_linted_too(lessons):
    break_file(lessons, "course", '"revert-applied",', '"revert-aplied",')
    status, report = lint(lessons)
    assert status == 1
    [problem] = report["problems"]
    assert (problem["file"], problem["field"]) == ("course.toml", "chapters[0].lessons[1]")
    assert "did you mean revert-applied" in problem["problem"]


def test_a_folder_of_our_own_lessons_may_use_the_shipped_models(tmp_path):
    folder = tmp_path / "ours"
    folder.mkdir()
    shutil.copy(SHIPPED / "revert-applied.toml", folder)  # its models/ are the shipped ones
    status, report = lint(folder)
    assert status == 0, report
    empty = tmp_path / "empty"
    empty.mkdir()
    status, report = lint(empty)
    assert status == 1 and "holds no lesson files" in report["problems"][0]["problem"]


def test_a_missing_folder_cannot_be_linted(tmp_path):
    result = tutor(None, "lint-lessons", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "There is no folder" in result.stderr


def test_solve_finds_lessons_that_start_solved_fail_or_do_not_pass(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    for lesson in ("revert-applied", "revert-several", "delete-unapplied"):
        shutil.copy(SHIPPED / f"{lesson}.toml", folder)
    # Starts where step 1 already holds.
    break_file(folder, "revert-applied", 'applied = "0003_change_price_field"',
               'applied = "0002_add_price_to_product"')
    # A solution command that fails.
    break_file(folder, "revert-several", '"python manage.py migrate store 0002"',
               '"python manage.py migrate store 0009"')
    # A solution that runs but does not reach the step's goal.
    break_file(folder, "delete-unapplied",
               'solution = [{ delete = "store/migrations/0004_add_discount_field.py" }]',
               'solution = ["python manage.py showmigrations store"]')
    status, report = lint(folder, "--solve", "--trust-course")
    assert status == 1
    by_file = {p["file"]: p for p in report["problems"]}
    assert by_file["revert-applied.toml"]["field"] == "steps[0].expect"
    assert "already holds when the lesson starts" in by_file["revert-applied.toml"]["problem"]
    assert by_file["revert-several.toml"]["field"].startswith("steps[1].solution[")
    assert "migrate store 0009" in by_file["revert-several.toml"]["problem"]
    assert by_file["delete-unapplied.toml"]["field"] == "steps[0]"
    assert "does not pass" in by_file["delete-unapplied.toml"]["problem"]
    assert all(x["solved"] is False for x in report["lessons"])


def test_solve_plays_good_lessons_through(tmp_path):
    """Two shipped lessons played through by `lint-lessons --solve`, as an instructor runs it
    on a folder of their own. (Every shipped lesson is played through once per test run by
    the step homes that tests/test_playthrough.py and the learner paths start from: one full
    play-through of the course, not two.)"""
    folder = tmp_path / "ours"
    folder.mkdir()
    for lesson in ("revert-applied", "first-migrations"):
        shutil.copy(SHIPPED / f"{lesson}.toml", folder)
    result = tutor(None, "lint-lessons", str(folder), "--solve", "--trust-course")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": solved ") == 2
    assert "2 lesson files: no problems." in result.stdout


def test_git_needs_a_repository_in_the_start(tmp_path):
    """A `git ...` solution or a `branch` expectation in a lesson whose sandbox is no git
    repository could never work: both are reported, with the field at fault."""
    folder = tmp_path / "ours"
    folder.mkdir()
    text = (SHIPPED / "revert-applied.toml").read_text(encoding="utf-8")
    path = folder / "revert-applied.toml"
    path.write_text(text.replace('solution = ["python manage.py migrate store 0002"]',
                                 'solution = ["git stash", "python manage.py migrate store 0002"]',
                                 1), encoding="utf-8")
    status, report = lint(folder)
    assert status == 1
    assert [(p["field"], p["problem"]) for p in report["problems"]] == [
        ("steps[0].solution[0]", "runs git, so [start] needs git = true")]
    path.write_text(text.replace("[[steps.expect]]", '[[steps.expect]]\nbranch = "main"\n\n'
                                 "[[steps.expect]]", 1), encoding="utf-8")
    status, report = lint(folder)
    assert [(p["field"], p["problem"]) for p in report["problems"]] == [
        ("steps[0].expect[0].branch", "needs a git repository: set git = true in [start]")]


def test_a_verdict_decided_by_a_piece_of_text_is_reported(lessons):
    """`no_file_contains` and `file ... contains`: a comment would decide. The lint names each,
    in an expectation or in a condition, and says what to judge instead."""
    old = '[[steps.expect]]\nfield = "store.product.price"\ndefault = 0.00\n'
    break_file(lessons, "fix-broken-default", old,
               '[[steps.expect]]\nno_file_contains = "free"\n\n[[steps.expect]]\n'
               'models_match_migrations = "store"\nexplain = "x"\n'
               'when = { file = "store/models.py", contains = "free" }\n\n' + old)
    status, report = lint(lessons / "fix-broken-default.toml")
    assert status == 1
    found = [(p["field"], p["problem"]) for p in report["problems"]]
    assert [field.split(".", 2)[2] for field, _ in found] == ["no_file_contains",
                                                              "when[0].file"], found
    assert all(problem.startswith("judges a piece of a file's text") for _, problem in found)


def test_a_text_with_a_control_character_is_reported(tmp_path):
    """Probe: titles and hints full of ESC, BEL and bidi overrides passed lint as clean; the
    tutor shows them escaped, so they can only garble what the learner reads."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    text = (resource_dir("lessons") / "revert-applied.toml").read_text(encoding="utf-8")
    text = text.replace('title = "Undo an applied migration"',
                        'title = "Undo\\u001b]0;TITLE\\u0007 an applied migration"', 1)
    text = text.replace('hints = [', 'hints = ["Look \\u202eright",', 1)
    (folder / "revert-applied.toml").write_text(text, encoding="utf-8")
    result = tutor(None, "lint-lessons", str(folder))
    assert result.returncode == 1, result.stdout
    assert ("revert-applied.toml: title: holds a control character (\\x1b), which the tutor "
            "shows escaped") in result.stdout
    assert "steps[0].hints[0]: holds a control character (\\u202e)" in result.stdout
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout


# --- the course as a path of ideas ------------------------------------------------------------

def test_the_shipped_course_declares_the_ideas_of_each_lesson():
    """Every shipped lesson says what it introduces or needs, and the first lesson needs
    nothing: the clean lint above is about a path, not about empty declarations."""
    from tutor.lessons import load_course

    course = load_course()
    assert all(lesson.introduces or lesson.needs for lesson in course.lessons)
    assert course.lessons[0].needs == ()
    assert "fake" in course.get("fake-the-record").introduces


def test_a_lesson_that_needs_an_idea_before_it_is_introduced_is_reported(lessons):
    """inconsistent-history needs `fake`, which fake-the-record introduces: put before it
    (in the chapters, or in a flat `order`), the lint names both lessons and the idea."""
    course = (lessons / "course.toml").read_text(encoding="utf-8")
    moved = course.replace('    "fake-the-record",\n', "", 1).replace(
        '    "reset-keep-data",\n', '    "reset-keep-data",\n    "fake-the-record",\n', 1)
    assert moved != course
    (lessons / "course.toml").write_text(moved, encoding="utf-8")
    status, report = lint(lessons)
    assert status == 1
    assert [(p["file"], p["field"], p["problem"]) for p in report["problems"]] == [
        ("inconsistent-history.toml", "needs[0]",
         "needs `fake`, which no lesson before it in the course introduces: fake-the-record "
         "(lesson 17) introduces it, later")]
    text = tutor(None, "lint-lessons", str(lessons))
    assert ("inconsistent-history.toml: needs[0]: needs `fake`, which no lesson before it in "
            "the course introduces") in text.stdout
    # A flat order is a path too.
    (lessons / "course.toml").write_text(
        'format = 1\norder = ["first-migrations", "revert-applied", "inconsistent-history", '
        '"fake-the-record"]\n', encoding="utf-8")
    _, report = lint(lessons)
    problems = {(p["file"], p["field"]): p["problem"] for p in report["problems"]}
    assert problems[("inconsistent-history.toml", "needs[0]")] == (
        "needs `fake`, which no lesson before it in the course introduces: fake-the-record "
        "(lesson 4) introduces it, later")
    # inspectdb and shell come from lessons this course leaves out: introduced by none.
    assert problems[("inconsistent-history.toml", "needs[1]")] == (
        "needs `inspectdb`, which no lesson before it in the course introduces: no lesson of "
        "the course introduces it, and the course file does not list it in `assumes`")
    # A course for learners who know some of it says so: what it assumes is not reported.
    (lessons / "course.toml").write_text(
        'format = 1\nassumes = ["inspectdb", "shell"]\norder = ["first-migrations", '
        '"revert-applied", "inconsistent-history", "fake-the-record"]\n', encoding="utf-8")
    _, report = lint(lessons)
    problems = {(p["file"], p["field"]): p["problem"] for p in report["problems"]}
    assert ("inconsistent-history.toml", "needs[1]") not in problems
    assert ("inconsistent-history.toml", "needs[0]") in problems  # `fake` is not assumed


def test_an_idea_needed_that_no_lesson_introduces_is_reported(lessons):
    break_file(lessons, "revert-applied", 'needs = ["migrate"]',
               'needs = ["migrate", "time-travel"]')
    status, report = lint(lessons)
    assert status == 1
    assert [(p["file"], p["field"], p["problem"]) for p in report["problems"]] == [
        ("revert-applied.toml", "needs[1]",
         "needs `time-travel`, which no lesson before it in the course introduces: no lesson "
         "of the course introduces it, and the course file does not list it in `assumes`")]


def test_a_solution_that_uses_an_undeclared_idea_is_reported(tmp_path):
    """revert-several's first solution runs `migrate store 0002 --plan`: without `plan`
    declared, the lint says so, read from the command's tokens (a folder with no course
    file: no path to walk, only the lesson's own declarations)."""
    folder = tmp_path / "ours"
    folder.mkdir()
    text = (SHIPPED / "revert-several.toml").read_text(encoding="utf-8")
    assert 'introduces = ["plan"]\n' in text
    path = folder / "revert-several.toml"
    path.write_text(text.replace('introduces = ["plan"]\n', "", 1), encoding="utf-8")
    status, report = lint(folder)
    assert status == 1
    assert [(p["field"], p["problem"]) for p in report["problems"]] == [
        ("steps[0].solution[0]",
         "uses `--plan` in step 1's solution but neither introduces nor needs `plan`: add it "
         "to `needs` (or to `introduces`, if this lesson teaches it)")]
    # Declared as needed, it is the course's to introduce: with no course file, that is
    # not judged here.
    path.write_text(text.replace('introduces = ["plan"]\nneeds = ["migrate", ',
                                 'needs = ["plan", "migrate", ', 1), encoding="utf-8")
    assert lint(folder)[0] == 0


@pytest.mark.parametrize("command, ideas", [
    ("python manage.py migrate store 0004 --fake", ["migrate", "fake", "migrate-target"]),
    ("python manage.py migrate store zero", ["migrate", "zero"]),
    ("python manage.py migrate --fake-initial", ["migrate", "fake-initial"]),
    ("python manage.py migrate --plan --database staging",
     ["migrate", "plan", "several-databases"]),
    ("python manage.py showmigrations store --database=teammate",
     ["showmigrations", "several-databases"]),
    ("python manage.py migrate --database default", ["migrate"]),
    ("python manage.py makemigrations store --merge --name m --noinput",
     ["makemigrations", "merge-migrations"]),
    ("python manage.py squashmigrations store 0001 0004", ["squash"]),
    ("python manage.py dumpdata store --output backup.json", ["backup"]),
    ("git checkout feature", ["git"]),
    # Words inside an argument are no options: tokens decide, never a piece of the text.
    ("python manage.py shell -c \"print('--fake', 'squashmigrations')\"", ["shell"]),
    ("python manage.py dbshell -- -e \"DELETE FROM x -- --fake\"", ["dbshell"]),
    ("python manage.py migrate store 0002 --verbosity 0", ["migrate", "migrate-target"]),
])
def test_the_ideas_of_a_command_are_read_from_its_tokens(command, ideas):
    from tutor.lessons import SolutionAction
    from tutor.lint_ideas import ideas_used

    assert [use.idea for use in ideas_used(SolutionAction(run=command))] == ideas


def test_the_ideas_of_deleting_and_editing_a_file_are_read_from_its_path():
    from tutor.lessons import SolutionAction
    from tutor.lint_ideas import ideas_used

    def ideas(**action) -> list[str]:
        return [use.idea for use in ideas_used(SolutionAction(**action),
                                               frozenset({"teammate.sqlite3"}))]

    assert ideas(delete="store/migrations/0003_change_price_field.py") == ["delete-migration"]
    assert ideas(edit="orders/migrations/0001_initial.py") == ["edit-migration"]
    assert ideas(delete="db.sqlite3") == ideas(delete="teammate.sqlite3") == ["delete-database"]
    assert ideas(edit="store/models.py") == ideas(delete="migrations.py") == []


def test_without_path_the_course_a_learner_follows_is_linted(tmp_path, monkeypatch):
    """`--course FILE` (or $TUTOR_COURSE), with no PATH: that course's path of ideas is
    checked, though it takes only shipped lessons."""
    course = tmp_path / "workshop.toml"
    course.write_text('format = 1\norder = ["first-migrations", "inconsistent-history", '
                      '"fake-the-record"]\n', encoding="utf-8")
    said = "inconsistent-history.toml: needs[0]: needs `fake`, which no lesson before it"
    result = tutor(None, "lint-lessons", "--course", str(course))
    assert result.returncode == 1 and said in result.stdout, result.stdout
    monkeypatch.setenv("TUTOR_COURSE", str(course))
    assert said in tutor(None, "lint-lessons").stdout
    course.write_text('format = 1\nassumes = ["fake", "inspectdb", "shell", "showmigrations", '
                      '"migrate-target"]\norder = ["first-migrations", "inconsistent-history"]\n',
                      encoding="utf-8")
    result = tutor(None, "lint-lessons")
    assert result.returncode == 0, result.stdout
    missing = tutor(None, "lint-lessons", "--course", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "There is no course file" in missing.stderr
