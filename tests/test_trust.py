"""A course is code (issue 13, point 2): a course from outside the shipped lessons runs
nothing until the learner trusts it, having been shown where it comes from and what it runs;
the trust is remembered for that content only. The canary is a file outside the home that
the course's own start command writes: it must not exist until the course is trusted."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import REPO, tutor, tutor_json

from tutor.paths import claim_home
from tutor.home_layout import TRUSTED_COURSES

LESSON = '''\
format = 1
id = "our-canary"
title = "Our canary lesson"
summary = "A lesson whose start runs Python of its own."
introduces = ["migrate", "migrate-target"]
intro = "It writes a file outside the sandbox: what any course's code could do."

[start]
migrations = ["0001_initial", "0002_add_stock"]
applied = "0002_add_stock"
commands = ["python manage.py shell -c \\"open(r'{canary}', 'w').write('ran')\\""]

[[steps]]
title = "Unapply 0002_add_stock"
goal = "Undo `0002_add_stock` in the database."
hints = ["`python manage.py migrate store 0001`."]
solution = ["python manage.py migrate store 0001"]

[[steps.expect]]
migration = "store.0002_add_stock"
applied = false
'''
MODELS = '''\
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=100)
    stock = models.IntegerField(default=0)
'''


@pytest.fixture
def canary(tmp_path) -> Path:
    return tmp_path / "outside" / "canary.txt"


@pytest.fixture
def course(tmp_path, canary) -> Path:
    """A workshop course: one shipped lesson, then one of its own that runs code."""
    canary.parent.mkdir()
    folder = tmp_path / "workshop"
    lessons = folder / "our-lessons"
    (lessons / "models").mkdir(parents=True)
    (lessons / "our-canary.toml").write_text(LESSON.replace("{canary}", str(canary)),
                                             encoding="utf-8")
    (lessons / "models/0002_add_stock.py").write_text(MODELS, encoding="utf-8")
    path = folder / "workshop.toml"
    path.write_text('format = 1\ntitle = "Workshop"\nlessons_dir = "our-lessons"\n'
                    'order = ["revert-applied", "our-canary"]\n', encoding="utf-8")
    return path


def test_an_untrusted_course_runs_nothing_and_says_what_it_would_run(home, course, canary):
    result = tutor(home, "reset", "our-canary", "--course", str(course))
    assert result.returncode == 2
    assert not canary.exists()
    assert not (home / "sandbox").exists()
    assert "Building the sandbox" not in result.stdout  # nothing is said to begin
    said = result.stderr
    assert f"The course {course} is code" in said
    assert "our-canary (" in said and "our-canary.toml):" in said
    assert "runs: python manage.py shell -c" in said and str(canary) in said
    assert "runs: python manage.py migrate store 0001" in said  # its solution runs too
    assert "Python file: " in said and "0002_add_stock.py" in said
    assert "--trust-course" in said and "TUTOR_TRUST_COURSE=1" in said
    # The same in JSON (for `lint-lessons --solve`), and `solve` is refused as well.
    status, data = tutor_json(home, "lint-lessons", str(course.parent / "our-lessons"),
                              "--solve")
    assert status == 2 and "is code" in data["error"] and "--trust-course" in data["advice"]
    assert tutor(home, "solve", "--course", str(course)).returncode == 2
    assert not canary.exists()


def test_the_shipped_lessons_of_a_course_need_no_trust(home, course, canary):
    """Its shipped lesson is the tutor's own code; only its own lesson asks."""
    result = tutor(home, "reset", "revert-applied", "--course", str(course))
    assert result.returncode == 0, result.stderr
    result = tutor(home, "solve", "--course", str(course))
    assert result.returncode == 0, result.stderr
    assert not (home / TRUSTED_COURSES).exists()


def test_trust_course_runs_it_and_is_remembered_for_its_content(home, course, canary):
    result = tutor(home, "reset", "our-canary", "--course", str(course), "--trust-course")
    assert result.returncode == 0, result.stderr
    assert canary.read_text() == "ran"
    [fingerprint] = json.loads((home / TRUSTED_COURSES).read_text())
    assert len(fingerprint) == 64
    # Remembered: no flag needed again (this reset comes from the sandbox's snapshot).
    result = tutor(home, "reset", "our-canary", "--course", str(course))
    assert result.returncode == 0, result.stderr
    # Another Python file shipped with it is another course: asked again, nothing run.
    canary.unlink()
    models = course.parent / "our-lessons/models/0002_add_stock.py"
    models.write_text(MODELS + "\nimport os  # a change to what it ships\n", encoding="utf-8")
    result = tutor(home, "reset", "our-canary", "--course", str(course))
    assert result.returncode == 2 and "is code" in result.stderr
    assert not canary.exists()


def test_a_changed_solution_is_not_trusted_for_solve(home, course, canary):
    assert tutor(home, "reset", "our-canary", "--course", str(course),
                 "--trust-course").returncode == 0
    lesson = course.parent / "our-lessons/our-canary.toml"
    lesson.write_text(lesson.read_text().replace(
        'solution = ["python manage.py migrate store 0001"]',
        'solution = ["python manage.py shell -c \\"print(1)\\""]'), encoding="utf-8")
    result = tutor(home, "solve", "--course", str(course))
    assert result.returncode == 2
    assert "runs: python manage.py shell -c \"print(1)\"" in result.stderr


def test_the_environment_variable_trusts_a_scripted_room(home, course, canary, monkeypatch):
    monkeypatch.setenv("TUTOR_TRUST_COURSE", "1")
    assert tutor(home, "reset", "our-canary", "--course", str(course)).returncode == 0
    assert canary.exists()
    monkeypatch.setenv("TUTOR_TRUST_COURSE", "0")  # not a yes
    (course.parent / "our-lessons/our-canary.toml").write_text(
        LESSON.replace("{canary}", str(canary) + ".2"), encoding="utf-8")
    assert tutor(home, "reset", "our-canary", "--course", str(course)).returncode == 2


def test_a_command_with_control_characters_is_shown_escaped(home, course, canary):
    """What a course runs is shown as it is: an escape sequence cannot hide a command by
    rewriting the terminal, a newline cannot fake a line of the listing."""
    lesson = course.parent / "our-lessons/our-canary.toml"
    lesson.write_text(lesson.read_text().replace(
        'commands = ["', 'commands = ["python manage.py check \\u001b]0;x\\u0007\\r\\n  '
                         '(only the shipped models versions)", "'), encoding="utf-8")
    result = tutor(home, "reset", "our-canary", "--course", str(course))
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\r" not in result.stderr
    assert "runs: python manage.py check \\x1b]0;x\\x07\\r\\n  (only" in result.stderr


def test_a_damaged_trust_file_trusts_nothing_and_is_rewritten(home, course, canary):
    claim_home(home)
    (home / TRUSTED_COURSES).write_text('{"not": "a list"}')
    result = tutor(home, "reset", "our-canary", "--course", str(course))
    assert result.returncode == 2 and not canary.exists()
    assert tutor(home, "reset", "our-canary", "--course", str(course),
                 "--trust-course").returncode == 0
    assert isinstance(json.loads((home / TRUSTED_COURSES).read_text()), list)


def test_lint_lessons_lists_what_a_folder_runs_and_solves_it_only_when_trusted(home, course,
                                                                              canary):
    folder = course.parent / "our-lessons"
    result = tutor(home, "lint-lessons", str(folder))
    assert result.returncode == 0, result.stdout
    assert "What these lessons run on a machine" in result.stdout
    assert "runs: python manage.py shell -c" in result.stdout
    assert "Python file: " in result.stdout and "0002_add_stock.py" in result.stdout
    status, data = tutor_json(home, "lint-lessons", str(folder))
    [lesson] = data["lessons"]
    assert lesson["runs"]["commands"][0].startswith("python manage.py shell -c")
    assert lesson["runs"]["python_files"] == [str(folder / "models/0002_add_stock.py")]
    assert not canary.exists()
    # --solve runs the lessons: refused (and named) without trust, played with it.
    result = tutor(home, "lint-lessons", str(folder), "--solve")
    assert result.returncode == 2 and "is code" in result.stderr
    assert not canary.exists()
    result = tutor(home, "lint-lessons", str(folder), "--solve", "--trust-course")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "our-canary: solved 1 step(s)" in result.stdout and canary.exists()


def test_shipped_lessons_list_nothing_they_run():
    status, data = tutor_json(None, "lint-lessons", str(REPO / "lessons"))
    assert status == 0 and all(lesson["runs"] is None for lesson in data["lessons"])


def spawn_start(home: Path, course: Path) -> pexpect.spawn:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return pexpect.spawn(sys.executable,
                         ["-m", "tutor", "start", "our-canary", "--course", str(course),
                          "--home", str(home)],
                         env=env, encoding="utf-8", timeout=60, cwd=str(REPO),
                         dimensions=(40, 200))


def test_start_shows_the_course_asks_once_and_remembers(home, course, canary):
    child = spawn_start(home, course)
    child.expect_exact("is code: it runs these on this machine.")
    child.expect_exact("runs: python manage.py shell -c")
    child.expect_exact("Run this course's code on this machine?")
    child.send("n")
    child.expect_exact("Nothing was run.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1 and not canary.exists() and not (home / "sandbox").exists()

    child = spawn_start(home, course)  # Ctrl-D at the question: cancelled, nothing run
    child.expect_exact("Run this course's code on this machine?")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert not canary.exists() and "Traceback" not in child.before

    child = spawn_start(home, course)
    child.expect_exact("Run this course's code on this machine?")
    child.send("y")
    child.expect_exact("Our canary lesson")
    child.expect_exact("What would you like to do?")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert canary.exists()

    child = spawn_start(home, course)  # remembered: straight to the lesson
    index = child.expect_exact(["Run this course's code", "What would you like to do?"])
    assert index == 1
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()


def test_lint_lessons_solve_asks_at_a_terminal_and_a_no_runs_nothing(home, course, canary):
    folder = course.parent / "our-lessons"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for answer in ("n", "\x04"):  # no, and Ctrl-D
        child = pexpect.spawn(sys.executable,
                              ["-m", "tutor", "lint-lessons", str(folder), "--solve",
                               "--home", str(home)],
                              env=env, encoding="utf-8", timeout=60, cwd=str(REPO),
                              dimensions=(40, 200))
        child.expect_exact("runs: python manage.py shell -c")
        child.expect_exact("Run this course's code on this machine?")
        child.send(answer)
        child.expect_exact("Nothing was run")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 1 and "Traceback" not in child.before
        assert not canary.exists()


def test_a_link_to_a_shipped_lesson_runs_the_shipped_files_not_the_links_neighbours(
        home, tmp_path, canary):
    """Issue 27, point 1: a course folder whose `revert-applied.toml` links to the shipped
    lesson, beside a `models/0001_initial.py` of its own. The lesson is the shipped one (what
    the link leads to), so it needs no trust: and then its files are the shipped ones too,
    never the Python beside the link, which would run untrusted."""
    canary.parent.mkdir()
    folder = tmp_path / "linked"
    (folder / "models").mkdir(parents=True)
    (folder / "revert-applied.toml").symlink_to(REPO / "lessons/revert-applied.toml")
    (folder / "models/0001_initial.py").write_text(
        f"open(r'{canary}', 'w').write('ran')\n" + (REPO / "lessons/models/0001_initial.py")
        .read_text(encoding="utf-8"), encoding="utf-8")
    # (first-migrations, shipped, introduces what revert-applied needs: the course is a path)
    (folder / "course.toml").write_text(
        'format = 1\norder = ["first-migrations", "revert-applied"]\n', encoding="utf-8")
    result = tutor(home, "--course", str(folder), "reset", "revert-applied")
    assert result.returncode == 0, result.stderr
    assert not canary.exists()
    status, data = tutor_json(home, "lint-lessons", str(folder))
    assert [lesson["runs"] for lesson in data["lessons"]] == [None]
    result = tutor(home, "lint-lessons", str(folder), "--solve")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not canary.exists()
    # A copy of the shipped lesson (no link) is the course's own: its neighbours are code,
    # asked about and listed before anything runs.
    (folder / "revert-applied.toml").unlink()
    (folder / "revert-applied.toml").write_bytes(
        (REPO / "lessons/revert-applied.toml").read_bytes())
    result = tutor(home, "--course", str(folder), "reset", "revert-applied")
    assert result.returncode == 2 and "is code" in result.stderr
    assert "0001_initial.py" in result.stderr and not canary.exists()


def own_copy_of_revert_applied(tmp_path, canary, commands: str = "") -> Path:
    """A course folder with a lesson of its own: revert-applied's text, its own 0003 models
    version (a copy of the shipped one), and `commands` added to its start."""
    canary.parent.mkdir(exist_ok=True)
    folder = tmp_path / "own"
    (folder / "models").mkdir(parents=True)
    text = (REPO / "lessons/revert-applied.toml").read_text(encoding="utf-8")
    if commands:
        text = text.replace("[start]\n", f"[start]\ncommands = [{commands}]\n", 1)
    (folder / "revert-applied.toml").write_text(text, encoding="utf-8")
    (folder / "models/0003_change_price_field.py").write_bytes(
        (REPO / "lessons/models/0003_change_price_field.py").read_bytes())
    (folder / "course.toml").write_text('format = 1\norder = ["revert-applied"]\n',
                                        encoding="utf-8")
    return folder


def test_a_lesson_read_as_its_own_stays_its_own_when_a_link_replaces_its_file(
        home, tmp_path, canary):
    """Probe: the lesson was parsed from a course's own file, then the file was swapped for a
    link to the shipped lesson before the trust check, which asked the path again and called
    it shipped: the parsed text (with its own commands) ran untrusted. Shipped is decided
    once, from the path the text was read from."""
    from tutor.lessons import load_course
    from tutor.trust import CourseNotTrusted, require_trust

    folder = own_copy_of_revert_applied(
        tmp_path, canary, f'"python manage.py shell -c \\"open(r\'{canary}\', \'w\')\\""')
    course = load_course(folder)
    lesson = course.get("revert-applied")
    assert not lesson.shipped
    (folder / "revert-applied.toml").unlink()
    (folder / "revert-applied.toml").symlink_to(REPO / "lessons/revert-applied.toml")
    with pytest.raises(CourseNotTrusted) as refused:
        require_trust(home, course, lesson)
    assert "runs: python manage.py shell -c" in refused.value.message
    assert not canary.exists()


def test_what_runs_is_what_was_trusted_though_a_file_changes_after(home, tmp_path, canary):
    """Probe: a course's models file rewritten between the trust check and the build ran,
    and the build was kept under the trusted content's key. The files are read once, for the
    trust's digest, and the build uses those bytes."""
    from tutor.lessons import load_course
    from tutor.workspace import Workspace

    folder = own_copy_of_revert_applied(tmp_path, canary)
    assert tutor(home, "--course", str(folder), "--trust-course", "reset",
                 "revert-applied").returncode == 0
    shutil.rmtree(home / "snapshots", ignore_errors=True)  # the next reset builds anew
    workspace = Workspace(home, course=load_course(folder))
    lesson = workspace.course.get("revert-applied")
    workspace.require_trust(lesson)  # the trust check a reset begins with
    models = folder / "models/0003_change_price_field.py"
    trusted = models.read_text(encoding="utf-8")
    models.write_text(f"open(r'{canary}', 'w').write('ran')\n" + trusted, encoding="utf-8")
    workspace.reset(lesson)
    assert not canary.exists()
    assert (home / "sandbox/store/models.py").read_text(encoding="utf-8") == trusted
    # The next tutor reads the changed file: a course that is not trusted, and nothing runs.
    result = tutor(home, "--course", str(folder), "reset", "revert-applied")
    assert result.returncode == 2 and "is code" in result.stderr
    assert tutor(home, "check").returncode in (0, 1) and not canary.exists()


def test_the_listing_names_every_backends_commands_and_every_file_written(home, tmp_path,
                                                                          canary):
    """Probe: trust covers every backend, but the listing showed SQLite's solutions only; and
    a file written into the sandbox (as Python, or into git's config) was never named."""
    folder = own_copy_of_revert_applied(tmp_path, canary)
    lesson = folder / "revert-applied.toml"
    (folder / "files").mkdir()
    (folder / "files/data.json").write_text("import os\n", encoding="utf-8")
    text = lesson.read_text(encoding="utf-8").replace(
        "[start]\n", '[start]\nfiles = [{ path = "shop/extra.py", source = "files/data.json" }]\n',
        1)
    text = text.replace('solution = ["python manage.py migrate store 0002"]',
                        'solution = ["python manage.py migrate store 0002"]\n\n'
                        '[steps.on.postgresql]\nsolution = ["python manage.py migrate store '
                        '0002", "python manage.py shell -c \\"print(\'postgres only\')\\""]', 1)
    lesson.write_text(text, encoding="utf-8")
    result = tutor(home, "--course", str(folder), "reset", "revert-applied")
    assert result.returncode == 2, result.stdout + result.stderr
    said = " ".join(result.stderr.split())
    assert "runs: python manage.py shell -c \"print('postgres only')\"" in said
    assert "writes: shop/extra.py (from " in said and "files/data.json)" in said
    status, data = tutor_json(home, "lint-lessons", str(folder))
    [listed] = data["lessons"]
    assert listed["runs"]["writes"] == [{"path": "shop/extra.py",
                                         "source": str(folder / "files/data.json")}]
    assert any("postgres only" in command for command in listed["runs"]["commands"])


def test_lint_lessons_on_a_course_folder_lists_the_lessons_its_course_runs(home, tmp_path,
                                                                          canary):
    """Probe: a folder whose course.toml says `lessons_dir = "../real"` was linted from its
    own harmless x.toml, while the course runs real/x.toml: what lint lists is what runs."""
    innocent, real = tmp_path / "innocent", tmp_path / "real"
    innocent.mkdir()
    real.mkdir()
    (innocent / "course.toml").write_text(
        'format = 1\nlessons_dir = "../real"\norder = ["our-canary"]\n', encoding="utf-8")
    shipped = (REPO / "lessons/revert-applied.toml").read_text(encoding="utf-8")
    (innocent / "our-canary.toml").write_text(
        shipped.replace('id = "revert-applied"', 'id = "our-canary"'), encoding="utf-8")
    (real / "our-canary.toml").write_text(LESSON.replace("{canary}", str(canary)),
                                          encoding="utf-8")
    (real / "models").mkdir()
    (real / "models/0002_add_stock.py").write_text(MODELS, encoding="utf-8")
    status, data = tutor_json(home, "lint-lessons", str(innocent))
    [listed] = data["lessons"]
    assert listed["runs"] is not None, data
    assert any("shell -c" in command and str(canary) in command
               for command in listed["runs"]["commands"])
