"""A course handed to a room, and a home that holds what the tutor did not make: nothing
outside the sandbox is written, read, run or deleted (canary files prove it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, tutor
from hypothesis import given
from hypothesis import strategies as st

from tutor.exceptions import LessonFileError
from tutor.lessons import inside_path, lesson_problems, load_lesson
from tutor.paths import resource_dir

SHIPPED = resource_dir("lessons")


START_LINE = 'applied = "0003_change_price_field"\n'
STEP_EXPECT = 'explain = "Restore the file (`tutor reset` rebuilds the lesson), then unapply'


@pytest.mark.parametrize("where, addition, field", [
    ("start", 'files = [{{ path = "{outside}/out.txt", source = "files/products.json" }}]',
     "start.files[0].path"),
    ("start", 'files = [{{ path = "store/x.json", source = "/etc/hostname" }}]',
     "start.files[0].source"),
    ("start", 'commands = [{{ delete = "{outside}/canary" }}]', "start.commands[0].delete"),
    ("start", 'commands = [{{ edit = "../../../x", replace = "a", with = "b" }}]',
     "start.commands[0].edit"),
    ("start", 'models = "../../../../etc/x"', "start.models"),
    ("step", 'file = "../../outside/canary"', "steps[0].expect[4].file"),
    ("step", 'rows = "store_product"\nsame_as = "/etc/passwd"', "steps[0].expect[4].same_as"),
    ("step", 'no_file_contains = "x"\nunder = "../.."', "steps[0].expect[4].under"),
])
def test_a_lesson_that_reaches_outside_the_sandbox_is_refused(tmp_path, where, addition, field):
    """The issue's lesson, one reach at a time: each is refused with its file and field,
    lint-lessons reports it, `--solve` plays nothing of it, and nothing outside is touched."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary").write_text("still here", encoding="utf-8")
    folder = tmp_path / "course"
    folder.mkdir()
    text = (SHIPPED / "revert-applied.toml").read_text(encoding="utf-8")
    addition = addition.format(outside=outside)
    if where == "start":
        text = text.replace(START_LINE, START_LINE + addition + "\n", 1)
    else:
        anchor = "[[steps.expect]]\nno_orphans = \"store\"\n" + STEP_EXPECT
        assert anchor in text
        text = text.replace(anchor, f"[[steps.expect]]\n{addition}\n\n" + anchor, 1)
    path = folder / "revert-applied.toml"
    path.write_text(text, encoding="utf-8")
    problems = {p.field: p.problem for p in lesson_problems(path)}
    assert field in problems, problems
    assert "is an absolute path" in problems[field] or "with `..`" in problems[field]
    with pytest.raises(LessonFileError):
        load_lesson(path)
    result = tutor(None, "lint-lessons", str(folder), "--solve", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and not report["lessons"][0]["loaded"]
    assert field in {p["field"] for p in report["problems"]}
    assert (outside / "canary").read_text(encoding="utf-8") == "still here"
    assert not (outside / "out.txt").exists()


def test_a_source_that_is_a_link_out_of_the_lesson_folder_is_refused(tmp_path):
    folder = tmp_path / "course"
    (folder / "files").mkdir(parents=True)
    secret = tmp_path / "secret.json"
    secret.write_text("[]", encoding="utf-8")
    (folder / "files" / "products.json").symlink_to(secret)
    text = (SHIPPED / "revert-applied.toml").read_text(encoding="utf-8").replace(
        'applied = "0003_change_price_field"\n', 'applied = "0003_change_price_field"\n'
        'files = [{ path = "store/fixtures/products.json", source = "files/products.json" }]\n',
        1)
    (folder / "revert-applied.toml").write_text(text, encoding="utf-8")
    problems = {(p.field, p.problem) for p in lesson_problems(folder / "revert-applied.toml")}
    assert ("start.files[0].source",
            "files/products.json is a link that leads out of the lesson's folder") in problems


@given(st.lists(st.sampled_from(["..", ".", "a", "b.py", "/", "\\", "~", "C:", "//", "x/.."]),
                min_size=1, max_size=6))
def test_no_path_a_lesson_can_name_leads_out(pieces):
    """Whatever the loader lets through stays inside the folder it is joined to."""
    value = "/".join(pieces) if pieces[0] not in ("/", "\\") else "".join(pieces)
    try:
        inside_path(value, "x.toml", "field")
    except LessonFileError:
        return
    joined = os.path.normpath(os.path.join("/sandbox", value.replace("\\", "/")))
    assert joined == "/sandbox" or joined.startswith("/sandbox/"), value


def test_a_solution_never_follows_a_link_out_of_the_sandbox(step_home, tmp_path):
    """The learner (or anyone) turned store/models.py into a link to a file elsewhere: the
    solution's edit refuses to write through it."""
    home = step_home("revert-applied", 2)
    outside = tmp_path / "elsewhere.py"
    models = home / "sandbox" / "store" / "models.py"
    outside.write_text(models.read_text(encoding="utf-8"), encoding="utf-8")
    before = outside.read_text(encoding="utf-8")
    models.unlink()
    models.symlink_to(outside)
    result = tutor(home, "solve")
    assert result.returncode == 2
    assert "store/models.py is outside the sandbox: the tutor leaves it alone." in result.stdout
    assert outside.read_text(encoding="utf-8") == before


def test_helper_processes_run_the_tutors_own_code_not_the_current_folders(step_home, tmp_path):
    """Started from a folder that holds a `tutor/` package of its own, the tutor's helpers
    (the warm reader, the manage.py runner) still import the real tutor."""
    home = step_home("revert-applied", 1)
    evil = tmp_path / "project"
    canary = tmp_path / "ran"
    for module in ("__init__", "helper", "probe", "state"):
        path = evil / "tutor" / f"{module}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"open({str(canary)!r}, 'a').write('{module}')\n", encoding="utf-8")
    # -P: the tutor itself is started as its console script would start it, which does not
    # put the working folder on sys.path; the helpers it starts must not either.
    result = subprocess.run(
        [sys.executable, "-P", "-m", "tutor", "solve", "--home", str(home)], cwd=evil,
        env=dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{evil}"), capture_output=True,
        text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Step 1 passed" in result.stdout
    assert not canary.exists(), canary.read_text(encoding="utf-8")


@pytest.mark.parametrize("leftover", ["sandbox.old", "sandbox.new"])
def test_a_folder_the_tutor_did_not_make_is_left_alone_and_named(lesson_home, leftover):
    home = lesson_home("revert-applied")
    foreign = home / leftover
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("years of work", encoding="utf-8")
    result = tutor(home, "status")
    assert result.returncode == 0
    assert f"{foreign} was not made by the tutor: it is left as it is" in result.stderr
    assert (foreign / "thesis.txt").read_text(encoding="utf-8") == "years of work"
    reset = tutor(home, "reset")
    assert reset.returncode == 2
    assert f"{foreign} exists but was not made by the tutor" in reset.stderr
    assert "Move it away" in reset.stderr and "Traceback" not in reset.stderr
    assert (foreign / "thesis.txt").is_file()
    assert (home / "sandbox" / "manage.py").is_file()  # the sandbox is untouched too


def test_a_link_named_like_the_tutors_leftovers_is_not_followed(lesson_home, tmp_path):
    """sandbox.old as a link to a folder that even carries the tutor's marker: the link is
    no folder of the tutor's, and what it points at is not touched."""
    home = lesson_home("revert-applied")
    target = tmp_path / "precious"
    target.mkdir()
    (target / ".tutor-sandbox").write_text("{}", encoding="utf-8")
    (target / "data.txt").write_text("keep", encoding="utf-8")
    (home / "sandbox.old").symlink_to(target, target_is_directory=True)
    assert tutor(home, "status").returncode == 0
    assert (target / "data.txt").is_file() and (home / "sandbox.old").is_symlink()
