"""The `tutor` command line: help, JSON, exit codes, hints, resets, and its clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import REPO, edit, manage, tutor, tutor_json

COMMANDS = ["start", "lessons", "status", "check", "hint", "solve", "reset", "shell"]


def test_help_imports_neither_django_nor_rich_nor_questionary():
    result = tutor(None, "--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout
    assert tutor(None, "--version").stdout.startswith("migration tutor ")
    probe = ("import sys\nfrom tutor.cli import main\n"
             "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('django', 'rich', 'questionary', 'prompt_toolkit', 'filelock', "
             "'platformdirs')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = tutor(None, command, "--help")
    assert result.returncode == 0
    assert "--home" in result.stdout


def test_check_without_a_sandbox_cannot_check(home):
    result = tutor(home, "check")
    assert result.returncode == 2
    assert "There is no sandbox" in result.stderr and "tutor start" in result.stderr
    status, report = tutor_json(home, "check")
    assert status == 2 and "no sandbox" in report["error"]


def test_status_json_has_the_live_state(lesson_home):
    home = lesson_home("revert-applied")
    status, data = tutor_json(home, "status")
    assert status == 0
    for key in ("home", "sandbox", "python", "lesson", "step", "step_index"):
        assert key in data
    assert data["lesson"] == "revert-applied" and data["step_index"] == 0
    assert data["python"] == sys.executable
    migration = next(m for m in data["migrations"] if m["name"] == "0003_change_price_field")
    assert {"app": "store", "name": "0003_change_price_field", "on_disk": True,
            "applied": True, "depends_on": ["store.0002_add_price_to_product"],
            "operations": ["Alter field price on product"], "replaces": [],
            "initial": False}.items() <= migration.items()
    price = next(c for c in data["tables"]["store_product"] if c["name"] == "price")
    assert price == {"name": "price", "type": "decimal", "null": True, "default": False}

    assert manage(home, "migrate", "store", "0002").returncode == 0
    _, data = tutor_json(home, "status")
    migration = next(m for m in data["migrations"] if m["name"] == "0003_change_price_field")
    assert migration["on_disk"] and not migration["applied"]
    price = next(c for c in data["tables"]["store_product"] if c["name"] == "price")
    assert price["null"] is False


def test_status_without_a_sandbox_says_how_to_start(home):
    result = tutor(home, "status")
    assert result.returncode == 0
    assert "No sandbox yet" in result.stdout


def test_check_json_fields_and_passing_advances(lesson_home):
    home = lesson_home("revert-applied")
    status, report = tutor_json(home, "check")
    assert status == 1
    assert set(report) >= {"lesson", "step", "step_index", "steps_total", "passed",
                           "lesson_complete", "expectations"}
    assert all(set(e) == {"text", "met", "detail", "protection"}
               for e in report["expectations"])
    assert manage(home, "migrate", "store", "0002").returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed"] and report["passed_steps"] == [0]
    assert report["step_index"] == 1 and not report["lesson_complete"]
    _, data = tutor_json(home, "status")
    assert data["step_index"] == 1


def test_following_steps_that_already_hold_pass_in_the_same_run(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    (home / "sandbox/store/migrations/0003_change_price_field.py").unlink()
    edit(home, "store/models.py", ", null=True", "")
    status, report = tutor_json(home, "check")
    assert status == 0
    assert report["passed_steps"] == [0, 1] and report["lesson_complete"]


def test_hints_reveal_one_at_a_time(lesson_home):
    home = lesson_home("revert-applied")
    shown = [tutor(home, "hint").stdout for _ in range(4)]
    assert "Hint 1/3" in shown[0] and "Hint 2/3" not in shown[0]
    assert "Hint 2/3" in shown[1]
    assert "Hint 3/3" in shown[2] and "migrate store 0002" in shown[2]
    assert "Hint 3/3" in shown[3] and "last hint" in shown[3]


def test_reset_says_it_builds_only_when_it_does(home):
    """"Building the sandbox..." is said once nothing can refuse the reset any more, and only
    where real commands build it (a start kept from before is copied)."""
    refused = tutor(home, "reset", "revert-applied", "--step", "9")
    assert refused.returncode == 2 and "there is no step 9" in refused.stderr
    assert refused.stdout == ""
    elsewhere = tutor(home, "reset", "mysql-half-applied")
    assert elsewhere.returncode == 2 and elsewhere.stdout == "", elsewhere.stdout
    # The way to take it is where its story holds: a MariaDB server, not SQLite.
    assert "`tutor reset mysql-half-applied --database mysql://USER@HOST/` takes it on a " \
           "MariaDB/MySQL server" in elsewhere.stderr
    assert "--database sqlite" not in elsewhere.stderr
    built = tutor(home, "reset", "revert-applied", "--step", "2")
    assert built.returncode == 0, built.stderr
    assert built.stdout.splitlines()[:2] == [
        "Building the sandbox for revert-applied with real makemigrations and migrate...",
        "Fast-forwarding revert-applied to step 2..."]
    again = tutor(home, "reset", "revert-applied")
    assert "Building" not in again.stdout and "Fast-forwarding" not in again.stdout


def test_reset_makes_a_lesson_current_at_its_first_step(lesson_home):
    home = lesson_home("revert-applied")
    assert tutor(home, "solve").returncode == 0
    result = tutor(home, "reset", "delete-unapplied")
    assert result.returncode == 0, result.stderr
    _, data = tutor_json(home, "status")
    assert data["lesson"] == "delete-unapplied" and data["step_index"] == 0
    assert any(m["name"] == "0004_add_discount_field" and not m["applied"]
               for m in data["migrations"])
    # Without a lesson, reset rebuilds the current lesson.
    (home / "sandbox/store/migrations/0004_add_discount_field.py").unlink()
    assert tutor(home, "reset").returncode == 0
    assert (home / "sandbox/store/migrations/0004_add_discount_field.py").is_file()
    # --all forgets progress and starts over at the first lesson.
    assert tutor(home, "reset", "--all").returncode == 0
    _, lessons = tutor_json(home, "lessons")
    first = lessons["lessons"][0]["id"]
    assert [r["id"] for r in lessons["lessons"] if r["current"]] == [first]
    assert not any(r["step_index"] for r in lessons["lessons"])


def test_unknown_lesson_suggests_the_closest(home):
    result = tutor(home, "reset", "revert-aplied")
    assert result.returncode == 2
    assert "There is no lesson called 'revert-aplied'" in result.stderr
    assert "Did you mean revert-applied" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_home_the_tutor_must_not_use_is_refused(tmp_path):
    result = tutor(Path("/"), "lessons")
    assert result.returncode == 2 and "will not use /" in result.stderr
    foreign = tmp_path / "my project"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    result = tutor(foreign, "reset", "revert-applied")
    assert result.returncode == 2
    assert "already holds files the tutor did not make" in result.stderr
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (foreign / "sandbox").exists()


def test_tutor_home_variable_chooses_the_home(tmp_path):
    home = tmp_path / "from env"
    env_run = subprocess.run(
        [sys.executable, "-m", "tutor", "reset", "revert-applied"], cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO), TUTOR_HOME=str(home)),
        capture_output=True, text=True)
    assert env_run.returncode == 0, env_run.stderr
    assert (home / "sandbox" / "manage.py").is_file()


@pytest.mark.parametrize("command", ["start", "shell"])
def test_interactive_commands_need_a_terminal(lesson_home, command):
    home = lesson_home("revert-applied")
    result = tutor(home, command, input="")
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "tutor check" in result.stderr


def test_a_broken_models_file_is_named_with_its_line(lesson_home):
    home = lesson_home("revert-applied")
    path = home / "sandbox/store/models.py"
    path.write_text(path.read_text(encoding="utf-8") + "\nthis is not python\n",
                    encoding="utf-8")
    for command in ("check", "status"):
        result = tutor(home, command)
        assert result.returncode == 2, command
        assert "Traceback" not in result.stderr + result.stdout
        message = " ".join(result.stderr.split())
        assert "store/models.py" in message and "line 8" in message, message
        assert "tutor reset" in message


def test_a_corrupt_progress_file_is_kept_aside(lesson_home):
    home = lesson_home("revert-applied")
    (home / "progress.json").write_text('{"format": 1, "curr', encoding="utf-8")
    result = tutor(home, "lessons")
    assert result.returncode == 0
    assert "could not be read" in result.stderr
    backups = list(home.glob("progress.json.unreadable-*"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8").endswith("curr")


def test_shell_opens_in_the_sandbox_with_a_python_that_has_django(lesson_home):
    home = lesson_home("revert-applied")
    env = dict(os.environ, PYTHONPATH=str(REPO), SHELL="/bin/sh", PATH="/usr/bin:/bin",
               DJANGO_COLORS="nocolor")
    child = pexpect.spawn(sys.executable, ["-m", "tutor", "shell", "--home", str(home)],
                          env=env, encoding="utf-8", timeout=30, cwd=str(REPO))
    child.expect_exact("A shell in the sandbox")
    child.sendline("python manage.py showmigrations store")
    child.expect_exact("[X] 0003_change_price_field")
    child.sendline("exit")
    child.expect(pexpect.EOF)


@pytest.mark.parametrize("argv", [
    ["lessons"], ["--home", "h", "lessons", "--json"], ["--name", "check", "lessons"],
    ["check", "--home", "h"], ["reset", "revert-applied", "--step", "2"],
    ["class", "join", "http://x", "--code", "C"], ["undo", "2"], ["--course=c.toml", "status"],
])
def test_the_command_named_alone_gets_its_parser_and_parses_as_with_all(argv):
    from tutor.cli import COMMANDS, build_parser

    parser = build_parser(argv)
    [commands] = [a for a in parser._actions if a.dest == "command"]
    assert set(commands.choices) == {vars(parser.parse_args(argv))["command"]} < set(COMMANDS)
    assert vars(parser.parse_args(argv)) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", [["--help"], ["-h", "lessons"], ["lesons"], ["--home"], []])
def test_a_command_line_naming_no_command_of_ours_gets_every_parser(argv):
    from tutor.cli import COMMANDS, build_parser

    [commands] = [a for a in build_parser(argv)._actions if a.dest == "command"]
    assert set(commands.choices) == set(COMMANDS)


def test_lessons_are_listed_by_chapter_with_their_length_and_progress(step_home):
    """The shipped course's five chapters, each a heading with the learner's progress in it
    (revert-applied done), then its lessons, numbered by their place in the whole course,
    each with an estimate of its minutes said to be one; in JSON, each lesson's chapter."""
    from tutor.lessons import load_course

    home = step_home("revert-applied", 3)  # its two steps passed
    course = load_course()
    status, data = tutor_json(home, "lessons")
    assert status == 0
    assert [c["id"] for c in data["chapters"]] == ["undo-basics", "data-matters",
                                                    "repair-the-record", "branches-and-history",
                                                    "teams-and-deploys"]
    assert data["chapters"] == [{**c.to_json(), "done": int(c.id == "undo-basics")}
                                for c in course.chapters]
    assert [row["id"] for row in data["lessons"]] == course.order
    for number, row in enumerate(data["lessons"], 1):
        assert row["number"] == number and row["chapter"] == course.chapter_of(row["id"]).id
        assert row["minutes"] == 1 + 2 * row["steps"] and row["minutes_from"] == "estimate"
    table = tutor(home, "lessons").stdout
    headings = [line for line in table.splitlines() if line.startswith("Chapter ")]
    assert headings == ["Chapter 1/5: Undo a migration (1 of 8 done)",
                        "Chapter 2/5: When the data matters (0 of 3 done)",
                        # (mysql-half-applied is MariaDB's story: not counted on SQLite)
                        "Chapter 3/5: Repairing the record (0 of 5 done; 1 more needs "
                        "another database or program)",
                        "Chapter 4/5: Branches and history (0 of 4 done)",
                        "Chapter 5/5: Teams and deploys (0 of 6 done)"]
    # Each chapter's table holds its lessons, in the path's order, under its promise.
    at = {name: table.index(name) for name in (*headings, "first-migrations", "reset-all",
                                                "data-loss-on-revert", "deploy-order")}
    assert at[headings[0]] < at["first-migrations"] < at["reset-all"] < at[headings[1]] \
        < at["data-loss-on-revert"] < at[headings[4]] < at["deploy-order"]
    assert table.index("Undo without losing rows: what a revert drops") > at[headings[1]]
    done = next(line for line in table.splitlines() if " revert-applied " in line)
    assert done.startswith("│ 2 │ revert-applied ") and done.endswith(" done     │"), done
    row = next(line for line in table.splitlines() if " first-migrations " in line)
    assert row.split("│")[4:7] == ["     4 ", "          ~9 min ", "          "], row
    assert "┃ time (estimate) ┃" in table
