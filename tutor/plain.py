"""Plain mode, for screen readers and simple terminals: its one setting, and the words that
stand for the marks the tutor prints elsewhere as glyphs.

`tutor start --plain` turns it on for the session, as does the environment variable
TUTOR_PLAIN (any value but empty or "0", for every command). In plain mode the tutor asks
with numbered prompts (plain_prompts.py, chosen by asking.py's functions), prints no
colour, no box drawing and no spinner, and says each state in a word. Everything that
prints asks `on()`; nothing else carries the setting.

Imports nothing of the tutor's: markup.py and `tutor lessons` read it.
"""

from __future__ import annotations

import os

VARIABLE = "TUTOR_PLAIN"

# Each mark: the glyph, then its word in plain mode (said before the text it marks).
_MARKS = {
    "met": ("✓", "met:"),
    "unmet": ("✗", "not met:"),
    "pending": ("·", "pending:"),
    "passed": ("✓", "-"),  # "✓ step 2 passed": the words say it already
    "done": ("✓", "(done)"),
    "begun": ("…", "(begun)"),
    "bullet": ("•", "-"),
    "undone": ("↶", "undone:"),
    "redone": ("↷", "redone:"),
}


def on() -> bool:
    """Whether output and prompts are plain: TUTOR_PLAIN is set to anything but "0"."""
    return os.environ.get(VARIABLE, "") not in ("", "0")


def turn_on() -> None:
    """Plain mode for this process and the commands it runs (the learner's, in the sandbox):
    NO_COLOR for the programs that honour it, DJANGO_COLORS for Django, which does not."""
    os.environ[VARIABLE] = "1"
    os.environ["NO_COLOR"] = "1"
    os.environ["DJANGO_COLORS"] = "nocolor"


def mark(name: str) -> str:
    """The mark `name` ("met", "unmet", "done"...): its glyph, or in plain mode its word."""
    glyph, word = _MARKS[name]
    return word if on() else glyph
