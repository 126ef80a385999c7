"""Plain output: long lines wrap at word boundaries, at any width, styles and all."""

from __future__ import annotations

import io

import pytest

from tutor import markup
from tutor.markup import Verbatim, render, wrap

DETAIL = ("      django_migrations no longer lists 0003 while price still allows NULL: the row "
          "went and its change stayed, `--fake` deletes the row without running the undo.")


@pytest.mark.parametrize("width", [20, 33, 47, 80, 120])
def test_a_long_line_wraps_between_words_with_its_indent_hanging(width):
    lines = wrap(DETAIL, width).split("\n")
    assert " ".join(" ".join(lines).split()) == " ".join(DETAIL.split())  # no word lost or cut
    assert all(len(line) <= width for line in lines if " " in line.strip())
    assert all(line.startswith("      ") for line in lines)


def test_styles_take_no_room_and_a_bullet_hangs():
    text = render("  • [bold]store.0003_change_price_field[/bold]: applied -> not applied, and "
                  "its column dropped", colour=True)
    lines = wrap(text, 40).split("\n")
    plain = [markup._ANSI.sub("", line) for line in lines]
    assert plain[0].startswith("  • store.0003") and all(p.startswith("    ") for p in plain[1:])
    assert max(len(p) for p in plain) <= 40


def test_a_word_longer_than_the_line_is_kept_whole():
    assert wrap("see store/migrations/0001_initial_squashed_0004_add_discount_field.py now", 20) \
        == "see\nstore/migrations/0001_initial_squashed_0004_add_discount_field.py\nnow"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_say_wraps_on_a_terminal_only_and_never_code(monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    markup.say("a sentence that is much longer than thirty columns of a terminal")
    markup.say(Verbatim("    CREATE TABLE store_product (id integer NOT NULL PRIMARY KEY);"))
    said = terminal.getvalue().split("\n")
    assert said[0] == "a sentence that is much longer" and said[1] == "than thirty columns of a"
    assert "    CREATE TABLE store_product (id integer NOT NULL PRIMARY KEY);" in said
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stdout", pipe)
    markup.say("a sentence that is much longer than thirty columns of a terminal")
    assert pipe.getvalue() == "a sentence that is much longer than thirty columns of a terminal\n"


def test_prose_keeps_code_blocks_verbatim():
    lines = markup.prose("Some words.\n\n```\n$ python manage.py migrate\n```\n")
    assert lines[0] == "Some words." and not isinstance(lines[0], Verbatim)
    assert isinstance(lines[1], Verbatim) and lines[1] == "    $ python manage.py migrate"


def test_a_tables_cells_are_shown_as_they_are_and_keep_its_columns_straight():
    from rich.text import Text

    from tutor.markup import box_table

    lines = box_table("the course", ["#", "title"],
                      [["1", "[bold]Loud[/bold] title"], ["2", "red\x1b[31m"], ["3", "plain"]])
    shown = [Text.from_markup(line).plain for line in lines[1:]]
    assert len({len(line) for line in shown}) == 1  # every line as wide: the columns line up
    assert "[bold]Loud[/bold] title" in shown[3] and "red\\x1b[31m" in shown[4]
    assert not any("\x1b" in line for line in lines)
