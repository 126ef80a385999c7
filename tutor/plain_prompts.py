"""Plain mode's prompts (plain.py): each question a numbered list and a line typed after
"Choose 1-7: ", read as a terminal in its ordinary line mode gives it, without a cursor
drawn or moved, a key read raw or a colour. asking.py's functions call these in plain
mode, so the session asks the same questions either way.

A wrong entry is said ("Type a number from 1 to 7.") and the prompt asked again. Ctrl-C
raises KeyboardInterrupt and the end of input (Ctrl-D) EOFError, each after a line break;
ui.py makes either its `Cancelled`, as it does at an arrow menu.
"""

from __future__ import annotations

import re
import sys

from .markup import listed, literal, printable, say

_NUMBER = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[\s,]+")


def _read(prompt: str) -> str:
    """One line typed after `prompt`, without its line break."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    try:
        line = sys.stdin.readline()
    except KeyboardInterrupt:
        sys.stdout.write("\n")  # what comes next begins its own line, not the prompt's
        raise
    if not line:  # end of input
        sys.stdout.write("\n")
        raise EOFError
    return line.rstrip("\r\n")


def _show(message: str, labels: list[str]) -> None:
    say(literal(message))
    for number, label in enumerate(labels, 1):
        say(f"  {number}. {literal(label.strip())}")


def _range(count: int) -> str:
    return "1" if count == 1 else f"1-{count}"


def _wrong_number(count: int) -> str:
    return "Type the number 1." if count == 1 else f"Type a number from 1 to {count}."


def _number(text: str, count: int) -> int | None:
    """The index (from 0) of the entry numbered `text`, or None when it numbers none."""
    text = text.strip()
    if _NUMBER.fullmatch(text) and 1 <= int(text) <= count:
        return int(text) - 1
    return None


def choose(message: str, labels: list[str]) -> int:
    """One of `labels`, by its number; returns its index (from 0)."""
    _show(message, labels)
    while True:
        chosen = _number(_read(f"Choose {_range(len(labels))}: "), len(labels))
        if chosen is not None:
            return chosen
        say(_wrong_number(len(labels)))


def choose_many(message: str, labels: list[str]) -> list[int]:
    """Any of `labels`, by their numbers separated by spaces or commas (Enter alone: none);
    returns their indexes (from 0) in the list's order."""
    _show(message, labels)
    count = len(labels)
    while True:
        typed = _read("Choose 1 (Enter alone: none): " if count == 1 else
                      f"Choose any of 1-{count}, separated by spaces or commas "
                      "(Enter alone: none): ")
        pieces = [piece for piece in _SEPARATORS.split(typed) if piece]
        chosen = [_number(piece, count) for piece in pieces]
        if None not in chosen:
            return sorted(set(chosen))
        say(f"Type numbers from 1 to {count}, separated by spaces or commas, or nothing "
            "for none." if count > 1 else "Type 1, or nothing for none.")


def confirm(message: str, default: bool) -> bool:
    """Yes (1) or no (2); Enter alone is `default`, as at the arrow keys' question."""
    _show(message, ["Yes", "No"])
    words = {"y": True, "yes": True, "n": False, "no": False}
    while True:
        typed = _read(f"Choose 1-2 (Enter alone: {'yes' if default else 'no'}): ").strip()
        if not typed:
            return default
        if typed.lower() in words:
            return words[typed.lower()]
        chosen = _number(typed, 2)
        if chosen is not None:
            return chosen == 0
        say(_wrong_number(2))


def line(message: str, default: str = "") -> str:
    """A line of text; Enter alone gives `default`, which the prompt names."""
    if default:
        message += f" (Enter alone: {default})"
    typed = _read(printable(message) + " ")
    return typed if typed.strip() or not default else default


def key(message: str, keys: dict[str, str]) -> str:
    """One of `keys` (prompt_toolkit's key names, as asking.ask_key takes them): "enter" is Enter
    alone, a letter is the letter, then Enter."""
    letters = sorted({name.lower() for name in keys if len(name) == 1})
    while True:
        typed = _read(printable(message) + " ").strip()
        if not typed and "enter" in keys:
            return keys["enter"]
        if typed in keys and len(typed) == 1:
            return keys[typed]
        say(f"Press Enter alone, or type {listed(letters)} and then Enter." if letters
            else "Press Enter.")
