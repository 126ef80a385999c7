"""Names and values from the sandbox never act on the terminal (issue 27, point 7).

A migration's file name, a table's or a column's name, a row's value can hold ESC, BEL, C1
controls or bidi overrides, planted by anyone who can write the sandbox: a terminal would
change its title, blink, or show a link. Every learner command that reads the sandbox shows
them as escapes (`\\x1b`), its JSON stays valid JSON without them, and `tutor watch` shows
them so too. The pieces behind it (markup.say, ui's console, markup.json_text) are checked
for any text at all with hypothesis.
"""

from __future__ import annotations

import io
import json

import pexpect
import pytest
from conftest import ci_suite_only, manage, tutor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_session_pty import spawn_tutor

from tutor import markup, notes

# What is shown is the tutor's own work on names alike on both Django lines: CI runs this in
# one of its suites.
pytestmark = ci_suite_only("2")

# Each is planted as a migration's file name (less its "/" and "."), a table and a column name, and
# a row's value: an OSC title (ESC ... BEL), blink and an OSC-8 link, C1 CSI and NEL with a
# right-to-left override and a bidi isolate, and a clear screen with rich's markup in it.
HOSTILE = {
    "title": "\x1b]0;PWNED\x07",
    "blink-link": "\x1b[5m\x1b]8;;http://evil.example/\x07here\x1b]8;;\x07",
    "c1-bidi": "\x9b5m\x85\u202etxt.exe\u2066",
    "clear-markup": "\x1b[2J[/x][bold]",
}


def acted_on(text: str) -> list[str]:
    """The characters of `text` a terminal would act on rather than show (the tests' output
    is not a terminal and NO_COLOR is set: no style code is expected either)."""
    return sorted({repr(c) for c in text if not c.isprintable() and c not in "\n\t"})


PLANTED = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("store", "0003_change_price_field")]
    operations = [
        migrations.CreateModel(name="Planted", fields=[
            ("id", models.AutoField(primary_key=True)),
            ("label", models.CharField(max_length=50, db_column=COLUMN)),
        ], options={"db_table": TABLE}),
        migrations.RunSQL(INSERT, migrations.RunSQL.noop),
    ]
"""


def _plant(home, payload: str) -> str:
    """A migration named with `payload`, applied with a real migrate, that makes a table and
    a column named with it and puts it in a row of store_product. Returns its name."""
    name = "0004_x" + payload.replace("/", "").replace(".", "")  # a module's name
    value = ("r" + payload).replace("'", "''")
    source = (PLANTED.replace("COLUMN", repr("c" + payload)).replace("TABLE", repr("t" + payload))
              .replace("INSERT", repr(f"INSERT INTO store_product (name, price) "
                                      f"VALUES ('{value}', 1)")))
    (home / "sandbox" / "store" / "migrations" / f"{name}.py").write_text(source,
                                                                       encoding="utf-8")
    applied = manage(home, "migrate", "store")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return name


# Every learner command that reads the sandbox (or what was learnt from it), the ones that
# change it last. `tutor watch` needs a terminal: see the test below.
COMMANDS = [("status",), ("status", "--json"), ("check",), ("check", "--json"), ("notes",),
            ("history",), ("history", "--json"), ("hint",), ("lessons",), ("report",),
            ("report", "--json"), ("solve",), ("notes",), ("undo",), ("history", "--json")]


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_no_command_lets_the_sandbox_act_on_the_terminal(lesson_home, tmp_path, payload):
    home = lesson_home("revert-applied")
    name = _plant(home, payload)
    shown = markup.printable(name)
    said, answers = {}, {}
    for command in COMMANDS:
        result = tutor(home, *command)
        assert "Traceback" not in result.stdout + result.stderr, (command, result.stderr)
        assert result.returncode in (0, 1), (command, result.stdout, result.stderr)
        assert not acted_on(result.stdout + result.stderr), (command, result.stdout,
                                                             result.stderr)
        if "--json" in command:  # still JSON, with the names in it (as \u escapes)
            answers[" ".join(command)] = json.loads(result.stdout)
        said[" ".join(command)] = result.stdout + result.stderr
    # The names are there, shown: the learner sees what the sandbox holds.
    assert shown in said["status"] and shown in said["history"]
    assert markup.visible(notes.plain(name)) in said["notes"]  # (Markdown: `_` is `\_`)
    assert markup.printable("t" + payload) in said["status"]
    assert markup.printable("c" + payload) in said["status"]
    assert name in {migration["name"] for migration in answers["status --json"]["migrations"]}
    sheet = tmp_path / "notes.md"
    written = tutor(home, "notes", "--output", str(sheet))
    assert written.returncode == 0, written.stderr
    assert not acted_on(sheet.read_text(encoding="utf-8"))
    assert markup.visible(notes.plain(name)) in sheet.read_text(encoding="utf-8")


def test_watch_shows_a_planted_name_without_acting_on_it(lesson_home):
    """`tutor watch`, in a real terminal: the first state it shows, and a change noticed."""
    home = lesson_home("revert-applied")
    payload = HOSTILE["title"] + HOSTILE["c1-bidi"]
    child = spawn_tutor(home, "watch")
    child.logfile_read = transcript = io.StringIO()  # all it shows, not the last match's
    child.expect_exact("Not yet")
    _plant(home, payload)
    child.expect_exact("The sandbox changed", timeout=15)
    child.expect_exact("t\\x1b]0;PWNED\\x07", timeout=15)  # the new table, in the state
    child.sendcontrol("c")
    child.expect_exact("Stopped watching")
    child.expect(pexpect.EOF)
    child.close()
    seen = transcript.getvalue()
    # On a terminal, rich still writes bold and dim under NO_COLOR (styles, not colours):
    # those, and the terminal's line ends, are all the control characters there are.
    assert not acted_on(_SGR.sub("", seen.replace("\r", ""))), seen
    assert "Traceback" not in seen


# --- the ways to the terminal, for any text -------------------------------------------------

_ANY_TEXT = st.text(st.characters(codec=None, blacklist_categories=()), max_size=40)
_SGR = markup._ANSI


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT, st.sampled_from(["", "bold red", "dim"]))
def test_say_lets_only_its_own_style_codes_act(text, style):
    """Whatever markup `say` is given (styles and all), the terminal gets its characters as
    printable text, the line breaks and tabs in it, and the style codes render() makes."""
    import os
    import sys

    terminal = _Terminal()
    saved, colour = sys.stdout, os.environ.pop("NO_COLOR", None)
    sys.stdout = terminal
    try:
        markup.say(f"[bold]x[/bold] {text}", style=style)
    finally:
        sys.stdout = saved
        if colour is not None:
            os.environ["NO_COLOR"] = colour
    assert not acted_on(_SGR.sub("", terminal.getvalue()))


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | _ANY_TEXT,
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(_ANY_TEXT, inner, max_size=3), max_leaves=8))
def test_json_output_is_the_same_json_with_nothing_acting(data):
    text = markup.json_text(data)
    assert json.loads(text) == data
    assert not acted_on(text)


@settings(max_examples=200, deadline=None)
@given(_ANY_TEXT)
def test_the_console_renders_no_control_character_it_was_given(text):
    """ui's rich console, on a terminal with colours and in plain mode: a string, a Text and a
    table cell."""
    from rich.table import Table
    from rich.text import Text

    from tutor import ui

    for plainly in (False, True):
        console = ui._visible_console(plainly)
        console.file = io.StringIO()
        console._force_terminal = True
        table = Table()
        table.add_column("a")
        table.add_row(ui.literal(text))
        console.print(ui.literal(text))
        console.print(Text(text))
        console.print(table)
        out = console.file.getvalue()
        assert not acted_on(_SGR.sub("", out))


def test_the_session_shows_planted_names_and_a_typed_command_as_they_are(lesson_home):
    """`tutor start`, in a real terminal: the state table under the step shows the planted
    names as escapes (the terminal's own codes aside, none of the payload reaches it raw),
    and a typed command with rich's markup in it (`[/x]`) is echoed as typed, not a crash."""
    home = lesson_home("revert-applied")
    _plant(home, HOSTILE["title"] + HOSTILE["c1-bidi"])
    child = spawn_tutor(home, "start")
    child.logfile_read = transcript = io.StringIO()
    child.expect_exact("Step 1/2")
    child.expect_exact("0004_x\\x1b]0;PWNED\\x07\\x9b5m\\x85\\u202etxtexe\\u2066")
    child.expect_exact("What would you like to do")
    child.send("\r")  # Run a command
    child.expect_exact("Command (run in the sandbox")
    child.send("echo '[/x] [bold]'\r")
    child.expect_exact("$ echo '[/x] [bold]'")
    child.expect_exact("What would you like to do")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    seen = transcript.getvalue()
    assert "Traceback" not in seen and "MarkupError" not in seen
    for raw in ("\x1b]0;", "\x07", "\x9b", "\x85", "\u202e", "\u2066"):
        assert raw not in seen, (raw, seen)


def test_a_name_written_into_the_progress_file_reaches_no_output_raw(lesson_home, monkeypatch):
    """`--name` refuses control characters; a progress file edited by hand does not ask."""
    home = lesson_home("revert-applied")
    monkeypatch.delenv("TUTOR_NAME")
    progress = json.loads((home / "progress.json").read_text(encoding="utf-8"))
    progress["learner"] = "Eve" + HOSTILE["title"] + HOSTILE["c1-bidi"]
    (home / "progress.json").write_text(json.dumps(progress), encoding="utf-8")
    for command in (("report",), ("report", "--json"), ("report", "--csv"), ("notes",)):
        result = tutor(home, *command)
        assert result.returncode == 0, (command, result.stderr)
        assert not acted_on(result.stdout + result.stderr), (command, result.stdout)
    exported = json.loads(tutor(home, "report", "--json").stdout)
    assert exported["learner"] == progress["learner"]  # the same name, escaped as JSON


_CONTROLS = st.sampled_from(
    [chr(c) for c in range(1, 32) if chr(c) not in "\n"] + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]
    + ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029", *map(chr, range(0x202A, 0x202F)),
       *map(chr, range(0x2066, 0x206A)), "\ufeff"])


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(st.sampled_from("ab[]_;") | _CONTROLS, min_size=1, max_size=12)
       .filter(lambda text: not text.isprintable()))
def test_any_control_character_in_a_planted_name_is_shown_not_acted_on(_built_homes,
                                                                        tmp_path_factory, payload):
    """The property, on real sandboxes: whatever control characters (C0, DEL, C1, bidi
    marks, overrides and isolates, line and paragraph separators) a migration, table, column
    and row are named with, no reading command lets one through."""
    import shutil

    home = tmp_path_factory.mktemp("planted") / "home"
    shutil.copytree(_built_homes("revert-applied"), home, symlinks=True)
    _plant(home, payload)
    for command in (("status",), ("check", "--json"), ("notes",), ("history",)):
        result = tutor(home, *command)
        assert "Traceback" not in result.stdout + result.stderr, (command, result.stderr)
        assert not acted_on(result.stdout + result.stderr), (command, repr(payload),
                                                             result.stdout)
