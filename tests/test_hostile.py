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
    ("start", 'commands = [{{ delete = "./" }}]', "start.commands[0].delete"),  # the sandbox
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
    assert any(why in problems[field]
               for why in ("is an absolute path", "with `..`", "is the sandbox itself"))
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


NESTED = '{"a": ' * 100_000 + "1" + "}" * 100_000


@pytest.mark.parametrize("damage", ["nested", "negative hints", "negative answer"])
def test_a_damaged_progress_file_is_set_aside_and_the_tutor_goes_on(lesson_home, damage):
    home = lesson_home("revert-applied")
    progress = home / "progress.json"
    if damage == "nested":
        progress.write_text(NESTED, encoding="utf-8")
    else:
        data = json.loads(progress.read_text(encoding="utf-8"))
        lesson = data["lessons"]["revert-applied"]
        if damage == "negative hints":
            lesson["hints_shown"] = {"0": -100}
        else:
            lesson["answered"] = [-1]
        progress.write_text(json.dumps(data), encoding="utf-8")
    result = tutor(home, "hint")
    assert result.returncode == 0, result.stderr
    assert "Hint 1/3" in result.stdout and "could not be read" in result.stderr
    assert len(list(home.glob("progress.json.unreadable-*"))) == 1
    assert json.loads(progress.read_text(encoding="utf-8"))["format"] == 1  # written afresh


def test_a_damaged_lesson_cache_only_costs_time(lesson_home):
    home = lesson_home("revert-applied")
    (home / "cache").mkdir(exist_ok=True)
    (home / "cache" / "lessons.json").write_text(NESTED, encoding="utf-8")
    result = tutor(home, "lessons")
    assert result.returncode == 0 and "revert-applied" in result.stdout, result.stderr


def test_a_lesson_file_nested_too_deeply_is_named_and_the_course_goes_on(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "deep.toml").write_text("a = " + "[" * 900 + "]" * 900 + "\n", encoding="utf-8")
    (folder / "revert-applied.toml").write_bytes((SHIPPED / "revert-applied.toml").read_bytes())
    result = tutor(None, "lint-lessons", str(folder), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 1
    assert {(p["file"], p["problem"]) for p in report["problems"]} == {
        ("deep.toml", "nested too deeply to be read")}


def test_a_progress_file_that_is_a_folder_is_named_not_a_traceback(lesson_home):
    home = lesson_home("revert-applied")
    (home / "progress.json").unlink()
    (home / "progress.json").mkdir()
    result = tutor(home, "status")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "progress.json is a folder, not the tutor's progress file" in result.stderr


def test_a_database_another_program_holds_is_busy_not_broken(lesson_home):
    import sqlite3
    from contextlib import closing

    home = lesson_home("revert-applied")
    with closing(sqlite3.connect(home / "sandbox" / "db.sqlite3", isolation_level=None)) as db:
        db.execute("BEGIN EXCLUSIVE")
        result = tutor(home, "check", "--json")
        db.execute("ROLLBACK")
    report = json.loads(result.stdout)
    assert result.returncode == 2
    assert report["error"].startswith("The database is busy")
    assert "Try again in a moment" in report["advice"] and "tutor reset" not in report["advice"]
    assert tutor(home, "check").returncode == 1  # free again: an ordinary check


def test_a_home_whose_path_holds_the_path_separator_still_has_its_python(lesson_home,
                                                                        tmp_path,
                                                                        monkeypatch):
    """`HOME/bin` on PATH would be cut in two at the `:`: the shim lives elsewhere then, and
    the learner's `python manage.py ...` finds it (with no other python on PATH)."""
    import shutil

    from tutor.sandbox import Sandbox

    home = tmp_path / f"odd{os.pathsep}home"
    shutil.copytree(lesson_home("revert-applied"), home, symlinks=True)
    sandbox = Sandbox(home)
    sandbox.write_python_shim()
    monkeypatch.setenv("PATH", os.pathsep.join(["/usr/bin", "/bin"]))
    result = subprocess.run("python manage.py showmigrations store", shell=True,
                            cwd=sandbox.path, env=sandbox.learner_environment(),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "[X] 0003_change_price_field" in result.stdout
    assert os.pathsep not in str(sandbox.bin_dir)


def test_the_python_put_on_the_path_in_the_temporary_folder_is_the_learners_alone(
        lesson_home, tmp_path):
    """Probe: for a home whose path holds `:`, the shim went to a predictable folder of the
    shared temporary folder, and a link another user planted there was written through (the
    victim file overwritten and made executable), or their own `python` stayed on the
    learner's PATH. The folder is made private; one not the learner's alone is refused."""
    import shutil
    import stat

    from tutor.exceptions import UnsafeHome
    from tutor.sandbox import Sandbox

    home = tmp_path / f"odd{os.pathsep}home"
    shutil.copytree(lesson_home("revert-applied"), home, symlinks=True)
    sandbox = Sandbox(home)
    folder = sandbox.bin_dir.parent
    shutil.rmtree(folder, ignore_errors=True)
    victim = tmp_path / "victim"
    victim.write_text("mine\n", encoding="utf-8")
    try:
        # Planted: a folder open to all, a link in it where the shim goes.
        folder.mkdir()
        folder.chmod(0o777)
        (folder / "bin").mkdir()
        (folder / "bin" / "python").symlink_to(victim)
        with pytest.raises(UnsafeHome, match="not a folder of yours alone"):
            sandbox.write_python_shim()
        assert victim.read_text(encoding="utf-8") == "mine\n"
        # The learner's own folder, with a link left in it: replaced, not written through.
        folder.chmod(0o700)
        sandbox.write_python_shim()
        assert victim.read_text(encoding="utf-8") == "mine\n"
        shim = folder / "bin" / "python"
        assert not shim.is_symlink() and "exec " in shim.read_text(encoding="utf-8")
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        # A link in place of the folder itself is refused too.
        shutil.rmtree(folder)
        folder.symlink_to(tmp_path)
        with pytest.raises(UnsafeHome):
            sandbox.write_python_shim()
    finally:
        if folder.is_symlink():
            folder.unlink()
        shutil.rmtree(folder, ignore_errors=True)


def test_an_empty_home_or_one_under_a_file_is_refused(tmp_path):
    empty = tutor(None, "status", "--home", "")
    assert empty.returncode == 2 and "--home is empty" in empty.stderr
    file = tmp_path / "a-file"
    file.write_text("x", encoding="utf-8")
    under = tutor(None, "status", "--home", str(file / "home"))
    assert under.returncode == 2 and f"{file} is a file" in under.stderr
    assert "Traceback" not in empty.stderr + under.stderr


def _export(folder: Path, name: str, learner, title: str = "Undo an applied migration",
            extra: str = "") -> Path:
    step = {"lesson": "revert-applied", "step": 1, "title": title, "current": True,
            "passed": False, "started_at": None, "passed_at": None, "attempts": 1,
            "answers": 0, "hints": 0, "solutions": 0, "time_spent_seconds": 5,
            "stuck_for_seconds": 5}
    data = {"format": "migration-tutor-report", "version": 1, "learner": learner,
            "exported_at": "2026-12-01T10:00:00+00:00",
            "current": {"lesson": "revert-applied", "step": 1}, "steps": [step]}
    path = folder / name
    path.write_text(json.dumps(data).replace('"attempts": 1', '"attempts": 1' + extra),
                    encoding="utf-8")
    return path


def test_class_report_names_and_skips_what_it_cannot_use_and_escapes_the_rest(tmp_path):
    good = _export(tmp_path, "ada.json", "Ada")
    huge = _export(tmp_path, "huge.json", "Bob", extra=', "x": ' + "9" * 5000)
    surrogate = tmp_path / "surrogate.json"
    surrogate.write_text(good.read_text(encoding="utf-8").replace('"Ada"', '"\\ud800"'),
                         encoding="utf-8")
    typed = _export(tmp_path, "typed.json", 42)
    sneaky = _export(tmp_path, "sneaky.json", "Eve\x1b]0;pwned\x07\r",
                     title="\x1b[2Jcleared")
    for form in ([], ["--csv"], ["--all-steps"]):
        result = tutor(None, "class-report", *map(str, (good, huge, surrogate, typed, sneaky)),
                       *form)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        for name in ("huge.json", "surrogate.json", "typed.json"):
            assert f"Skipped: {tmp_path / name}" in result.stderr, (name, result.stderr)
        assert "Ada" in result.stdout
        said = result.stdout + result.stderr
        assert "\x1b" not in said and "\r" not in said and "\x07" not in said
        assert "Eve\\x1b]0;pwned\\x07\\r" in said


def _tutor_in_a_shell(shell_line: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(shell_line, shell=True, capture_output=True, text=True, cwd=REPO,
                          env=dict(os.environ, PYTHONPATH=str(REPO), **(env or {})))


def _quoted(path) -> str:
    """A path in a shell line (a checkout under `~/My Projects` has a space in it)."""
    import shlex

    return shlex.quote(str(path))


def test_operating_system_errors_are_messages_not_tracebacks(tmp_path):
    python = f"{_quoted(sys.executable)} -m tutor"
    cases = {
        "a home the system refuses": (f"{python} reset revert-applied --home /proc/1/tutor",
                                      "The operating system refused"),
        "a path too long": (f"{python} reset revert-applied --home "
                            f"{_quoted(tmp_path / ('x' * 300))}", "too long"),
        "a full disk": (f"{python} lessons --home {_quoted(tmp_path / 'h')} > /dev/full",
                        "The disk is full"),
    }
    for name, (line, words) in cases.items():
        result = _tutor_in_a_shell(line)
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr, (name, result.stderr)
    asked = _tutor_in_a_shell(f"{python} check --home /proc/1/tutor --json")
    assert "The operating system refused" in json.loads(asked.stdout)["error"]


def test_closed_streams_and_an_output_that_cannot_show_unicode(tmp_path):
    python = f"{_quoted(sys.executable)} -m tutor"
    closed_out = _tutor_in_a_shell(f"{python} lessons --home {_quoted(tmp_path / 'a')} >&-")
    assert closed_out.returncode == 0 and "Traceback" not in closed_out.stderr
    closed_in = _tutor_in_a_shell(f"{python} start --home {_quoted(tmp_path / 'b')} <&-")
    assert closed_in.returncode == 2 and "needs a terminal" in closed_in.stderr
    ascii_only = _tutor_in_a_shell(f"{python} lessons --home {_quoted(tmp_path / 'c')}",
                                   env={"PYTHONIOENCODING": "ascii"})
    assert ascii_only.returncode == 0, ascii_only.stderr
    assert "revert-applied" in ascii_only.stdout and "\\u2501" in ascii_only.stdout


def test_a_shell_that_does_not_exist_is_named(lesson_home):
    import pexpect

    home = lesson_home("revert-applied")
    child = pexpect.spawn(sys.executable, ["-m", "tutor", "shell", "--home", str(home)],
                          env=dict(os.environ, PYTHONPATH=str(REPO), SHELL="/no/such/shell"),
                          encoding="utf-8", timeout=30)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "Your shell, /no/such/shell, could not be started" in child.before
    assert "Traceback" not in child.before


@pytest.mark.parametrize("oddity", ["sandbox.old file", "sandbox.new file", "sandbox.old link",
                                    "sandbox link", "progress.json folder"])
def test_no_command_crashes_on_what_stands_in_the_home_and_reset_says_what_to_move(
        lesson_home, tmp_path, oddity):
    """Issue 13, point 5: whatever stands in the home, every command answers without a
    traceback, nothing outside the home is touched, and `tutor reset` recovers or names
    exactly what to move away."""
    home = lesson_home("revert-applied")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine", encoding="utf-8")
    name, kind = oddity.split()
    odd = home / name
    if name == "sandbox":  # the sandbox itself moved elsewhere and linked back
        import shutil

        shutil.rmtree(odd)
    elif name == "progress.json":
        odd.unlink()
    if kind == "file":
        odd.write_text("notes of mine", encoding="utf-8")
    elif kind == "link":
        odd.symlink_to(outside, target_is_directory=True)
    else:
        odd.mkdir()
    for command in (["status"], ["check"], ["lessons"], ["hint"], ["report"], ["solve"]):
        result = tutor(home, *command)
        assert "Traceback" not in result.stdout + result.stderr, (command, result.stderr)
        assert result.returncode in (0, 1, 2), command
    reset = tutor(home, "reset")
    assert "Traceback" not in reset.stdout + reset.stderr
    if reset.returncode != 0:
        assert reset.returncode == 2
        assert str(odd) in reset.stderr and "move it away" in reset.stderr.lower(), reset.stderr
    else:
        assert (home / "sandbox" / "manage.py").is_file() and not (home / "sandbox").is_symlink()
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    if kind == "file":
        assert odd.read_text(encoding="utf-8") == "notes of mine"


def test_a_migration_name_or_a_course_id_that_leads_out_is_refused(tmp_path):
    """A start migration is written as `<app>/migrations/<name>.py`, and a course's lesson is
    read as `<lessons_dir>/<id>.toml`: a name with `..` or `/` would write (or read) outside.
    Each is refused at load, with its file and field, and nothing is written anywhere."""
    folder = tmp_path / "course" / "lessons"
    folder.mkdir(parents=True)
    text = (SHIPPED / "revert-applied.toml").read_text(encoding="utf-8")
    old = 'migrations = ["0001_initial", "0002_add_price_to_product", "0003_change_price_field"]'
    assert old in text
    text = text.replace(old, 'migrations = ["0001_initial", "0002_add_price_to_product", '
                             '"0003_change_price_field", { name = "../../../../x", source = '
                             '"files/half-applied/0003_add_discount_field.py" }]', 1)
    (folder / "revert-applied.toml").write_text(text, encoding="utf-8")
    problems = {p.field: p.problem for p in lesson_problems(folder / "revert-applied.toml")}
    assert problems == {"start.migrations[3].name": "'../../../../x' is not a migration's name "
                        "(letters, digits and _, as makemigrations names them)"}, problems
    course = tmp_path / "course" / "course.toml"
    for hostile in ("../outside", "a/b", ".."):
        course.write_text(f'format = 1\nlessons_dir = "lessons"\norder = ["{hostile}"]\n',
                          encoding="utf-8")
        result = tutor(tmp_path / "home", "lessons", "--course", str(course))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"order[0]: {hostile!r} is not a lesson id" in result.stderr, result.stderr
    assert not (tmp_path / "x.py").exists() and not list(tmp_path.rglob("x.py"))
