"""Tracebacks cut to their error line: in a command's output after the fact (`tutor solve`),
and in a stream as it comes (commands typed in `tutor start`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tutor.tracebacks import NOTE, TracebackFilter, shorten_traceback, worth_filtering

CHAINED = """\
Traceback (most recent call last):
  File "/django/db/backends/utils.py", line 105, in _execute
    return self.cursor.execute(sql, params)
sqlite3.IntegrityError: NOT NULL constraint failed: new__store_product.price

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "manage.py", line 22, in <module>
    main()
django.db.utils.IntegrityError: NOT NULL constraint failed: new__store_product.price
"""


def streamed(text: str, step: int = 1) -> tuple[str, TracebackFilter]:
    out: list[str] = []
    stream = TracebackFilter(out.append)
    for i in range(0, len(text), step):
        stream.feed(text[i:i + step])
    stream.close()
    return "".join(out), stream


def test_a_chained_traceback_streamed_a_character_at_a_time_keeps_its_error_lines():
    text, stream = streamed("Operations to perform:\n" + CHAINED + "after\n")
    assert text == ("Operations to perform:\n"
                    "sqlite3.IntegrityError: NOT NULL constraint failed: new__store_product.price\n"
                    "django.db.utils.IntegrityError: NOT NULL constraint failed: "
                    "new__store_product.price\nafter\n")
    assert stream.shortened


def test_output_without_a_traceback_passes_unchanged_in_any_chunks():
    text = "Migrations for 'store':\n  store/migrations/0002.py\n    + Add field\nno newline"
    for step in (1, 3, 4096):
        passed, stream = streamed(text, step)
        assert passed == text and not stream.shortened
    assert shorten_traceback(text) == text


def test_a_prompt_without_a_newline_is_written_at_once():
    out: list[str] = []
    stream = TracebackFilter(out.append)
    stream.feed("Select an option: ")
    assert "".join(out) == "Select an option: "  # the learner must see it to answer
    stream.feed("T")
    assert "".join(out) == "Select an option: T"  # mid-line: cannot start a traceback
    stream.feed("\nTrace")
    assert "".join(out) == "Select an option: T\n"  # may be a traceback: held back
    stream.feed("s of it\n")
    assert "".join(out) == "Select an option: T\nTraces of it\n"


def test_an_interactive_shell_goes_on_after_a_traceback():
    text, _ = streamed('Traceback (most recent call last):\n  File "<console>", line 1\n'
                       "NameError: name 'x' is not defined\n>>> ", step=5)
    assert text == "NameError: name 'x' is not defined\n>>> "


def test_captured_output_keeps_what_came_before_the_traceback_on_its_line():
    output = ("Running migrations:\n  Applying store.0002_add_price_to_product..."
              + CHAINED.rstrip("\n"))
    assert shorten_traceback(output) == (
        "Running migrations:\n  Applying store.0002_add_price_to_product...\n"
        "sqlite3.IntegrityError: NOT NULL constraint failed: new__store_product.price\n"
        "django.db.utils.IntegrityError: NOT NULL constraint failed: new__store_product.price\n"
        + NOTE)


def test_a_real_python_traceback_is_cut_to_its_error_line():
    failed = subprocess.run([sys.executable, "-c", "import json; json.loads('{')"],
                            capture_output=True, text=True)
    assert "Traceback (most recent call last):" in failed.stderr
    text, stream = streamed(failed.stderr, step=7)
    assert text.splitlines() == [failed.stderr.strip().splitlines()[-1]]
    assert text.startswith("json.decoder.JSONDecodeError: Expecting property name")


def test_only_non_interactive_manage_commands_have_their_errors_filtered():
    assert worth_filtering("python manage.py migrate store 0002")
    assert worth_filtering("python3 manage.py makemigrations store --name 'add price'")
    for command in ("python manage.py shell", "python manage.py dbshell", "nano store/models.py",
                    "git checkout feature", "python -c 'import this'", "python manage.py",
                    "python manage.py migrate 'unclosed"):
        assert not worth_filtering(command), command


def test_a_character_split_between_two_reads_stays_whole(lesson_home):
    """The learner's command's standard error is read in chunks of 4096 bytes: a character
    that straddles two of them (Django's curly quotes) must not become two broken ones."""
    from tutor.sandbox import Sandbox

    heard: list[str] = []
    command = ("python manage.py showmigrations store >/dev/null && python -c \"import sys; "
               "sys.stderr.write('x' * 4095 + '“free”\\\\n')\"")
    status = Sandbox(lesson_home("revert-applied")).run_learner_command(command, heard.append)
    assert status == 0
    assert "".join(heard) == "x" * 4095 + "“free”\n"


@pytest.mark.parametrize("prefix", ["", "Traceback (most recent call last):\n"])
def test_the_filter_is_linear_in_what_it_is_fed(prefix):
    """Output without a newline (in a traceback's frame or not) costs the filter time in
    proportion to its length: ten times the text, not a hundred times the time. The ratio
    is compared, not a duration, so that a slow machine slows both alike."""
    import time

    def feed(megabytes: int) -> float:
        written: list[str] = []
        stream = TracebackFilter(written.append)
        stream.feed(prefix)
        chunk = " " + "x" * 4095
        began = time.perf_counter()
        for _ in range(megabytes * 256):
            stream.feed(chunk)
        stream.feed("\nValueError: end\n")
        stream.close()
        elapsed = time.perf_counter() - began
        assert "".join(written).endswith("ValueError: end\n")
        return elapsed

    small = min(feed(2) for _ in range(3))
    large = feed(20)
    assert large < 30 * max(small, 0.002), (small, large)
