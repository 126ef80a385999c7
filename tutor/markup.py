"""A few words of rich's console markup (`[bold green]...[/bold green]`), printed without rich.

Importing rich's console costs a one-shot command like `tutor check` about a fifth of its
time, so short messages are written with plain ANSI codes (or none, under NO_COLOR, in plain
mode or when the output is not a terminal). Tables, panels and Markdown still go through rich.

The invariant: the only control characters that reach the terminal are the style codes the
renderers make themselves. Text read from the sandbox (a migration's file name, a table, a
row) can hold ESC, BEL, C1 controls or bidi overrides; `say` (and ui's rich console) show
every such character of the markup as an escape (`visible`) before styles are rendered.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

from . import plain

_CODES = {"bold": "1", "dim": "2", "italic": "3", "red": "31", "green": "32", "yellow": "33",
          "blue": "34", "magenta": "35", "cyan": "36"}
# The tag syntax rich uses: a tag starts with a letter, '/', '#' or '@'; "\[" is a bracket.
_TAG = re.compile(r"(?<!\\)\[([a-z/#@][^\[\]]*?)\]")
_CODE_SPAN = re.compile(r"`([^`]+)`")


def colour_enabled(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb" or plain.on():
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def render(markup: str, colour: bool) -> str:
    """Markup to text; styles become ANSI codes when `colour`, and vanish otherwise.
    Anything in brackets that is not one of our styles (`[X]`, `['free']`) is kept."""
    stack: list[str] = []

    def replace(match: re.Match) -> str:
        tag = match.group(1)
        if tag.startswith("/"):
            words = tag[1:].split()
            if words and not all(word in _CODES for word in words):
                return match.group(0)
            if stack:
                stack.pop()
            return ("\x1b[0m" + "".join(stack)) if colour else ""
        words = tag.split()
        if not all(word in _CODES for word in words):
            return match.group(0)
        code = "\x1b[" + ";".join(_CODES[word] for word in words) + "m"
        stack.append(code)
        return code if colour else ""

    return _TAG.sub(replace, markup).replace("\\[", "[")


def printable(text: str) -> str:
    """`text` with every character a terminal would act on (not print) shown as an escape:
    `\\x1b`, `\\r`, `\\u202e`; a lone surrogate as `\\udcff`."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def visible(text: str) -> str:
    """`printable`, line by line: the line breaks and tabs of a multi-line message stay what
    they are; any other control character is shown as an escape. Idempotent."""
    if text.isprintable():
        return text
    return "\n".join("\t".join(printable(piece) for piece in line.split("\t"))
                     for line in text.split("\n"))


def json_text(data, indent: int | None = 2) -> str:
    """`data` as JSON that a terminal shows as it is: valid JSON, with every character that
    is not printable (C0, which json escapes anyway, but also C1 controls, bidi overrides and
    lone surrogates) written as a `\\uXXXX` escape, and every other character as itself."""
    import json

    text = json.dumps(data, indent=indent, ensure_ascii=False)
    if text.isprintable():
        return text
    # Outside strings, JSON has only printable characters and the indent's line breaks:
    # every other character is inside a string, where \uXXXX stands for it.
    return "".join(c if c.isprintable() or c == "\n" else _json_escape(c) for c in text)


def _json_escape(character: str) -> str:
    code = ord(character)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def literal(text: str) -> str:
    """Text read from a file or a command (a path, a lesson's command, an error message), for
    `say`: shown as it is, line by line, never acted on as a style tag or a control character."""
    return "\n".join(printable(line).replace("[", "\\[") for line in text.split("\n"))


def listed(items) -> str:
    """`a`, `a and b`, `a, b and c`."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class Verbatim(str):
    """A line that must reach the terminal as it is (a line of code): never wrapped."""


def say(markup: str = "", *, style: str = "", err: bool = False) -> None:
    """Print markup; on a terminal, lines longer than it is wide wrap at word boundaries,
    with the line's indent (and its bullet) hanging (a terminal would cut words in two)."""
    stream = sys.stderr if err else sys.stdout
    verbatim = isinstance(markup, Verbatim)
    markup = visible(markup)  # the one way to the terminal: nothing read from outside acts
    if style:
        markup = f"[{style}]{markup}[/{style}]"
    text = render(markup, colour_enabled(stream))
    if not verbatim and _is_terminal(stream):
        import shutil

        text = wrap(text, shutil.get_terminal_size().columns)
    stream.write(text + "\n")
    stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_HANGING = re.compile(r"\s*(?:[•✓✗$] )?")


def wrap(text: str, width: int) -> str:
    """Wrap each line of `text` (which may hold ANSI styles, zero-width) at spaces to
    `width` columns. A word longer than the width gets a line of its own, uncut."""
    return "\n".join(piece for line in text.split("\n") for piece in _wrap_line(line, width))


def _wrap_line(line: str, width: int) -> list[str]:
    plain = _ANSI.sub("", line)
    if len(plain) <= width or width < 10:
        return [line]
    hang = len(_HANGING.match(plain).group(0))
    hang = hang if hang <= width // 2 else 0
    pieces, current, length = [], "", 0
    for i, token in enumerate(line.split(" ")):
        size = len(_ANSI.sub("", token))
        if i and length + 1 + size > width and _ANSI.sub("", current).strip():
            pieces.append(current.rstrip(" "))
            current, length = " " * hang + token, hang + size
        else:
            current, length = (current + " " + token, length + 1 + size) if i \
                else (token, size)
    pieces.append(current)
    return pieces


def code_spans(text: str) -> str:
    """`code` in lesson prose shown in bold, as Markdown would."""
    return _CODE_SPAN.sub(lambda m: f"[bold]{m.group(1)}[/bold]", text)


def box_table(title: str, headers: list[str], rows: list[list[str]],
              right: frozenset[int] = frozenset()) -> list[str]:
    """A table drawn like rich's default (heavy head, light body), as markup lines, under
    its `title` (markup; "": none).

    `tutor lessons` must cost little more than importing rich; drawing its one small table
    by hand saves importing and measuring with rich's layout engine. The rows' cells are
    data (a course's titles): shown as they are, a style tag or a control character too.
    In plain mode, drawn in ASCII (as rich draws it for a terminal that is not UTF-8).
    """
    rows = [[printable(str(cell)) for cell in row] for row in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells: list[str], left: str, middle: str, end: str) -> str:
        padded = [str(cell).rjust(width) if i in right else str(cell).ljust(width)
                  for i, (cell, width) in enumerate(zip(cells, widths))]
        return left + " " + f" {middle} ".join(padded) + " " + end

    def rule(left: str, middle: str, end: str, fill: str) -> str:
        return left + middle.join(fill * (width + 2) for width in widths) + end

    # Padded first, made bold after: markup must not count towards a column's width.
    box = _ASCII_BOX if plain.on() else _BOX
    header = line(headers, *box["head"] * 3)
    for cell in headers:
        header = header.replace(f" {cell} ", f" [bold]{cell}[/bold] ", 1)
    caption = [f"[italic]{title}[/italic]"] if title else []
    return [*caption, rule(*box["top"]), header, rule(*box["under_head"]),
            *(line(row, *box["body"] * 3).replace("[", "\\[") for row in rows),
            rule(*box["bottom"])]


# box_table's lines: the bars of the head and of the body; the rules above and under the head
# and at the bottom, each as its left, middle and right corner, then its line.
_BOX = {"head": "┃", "body": "│", "top": "┏┳┓━", "under_head": "┡╇┩━", "bottom": "└┴┘─"}
_ASCII_BOX = {"head": "|", "body": "|", "top": "+++-", "under_head": "+++-", "bottom": "+++-"}



def prose(text: str) -> list[str]:
    """Lesson Markdown as markup lines, without rich's Markdown renderer: paragraphs joined,
    fenced code blocks kept line by line (indented), `code` spans in bold."""
    lines, paragraph, in_code = [], [], False
    for raw in text.strip().splitlines():
        if raw.strip().startswith("```"):
            if paragraph:
                lines.append(code_spans(" ".join(paragraph)))
                paragraph = []
            in_code = not in_code
            continue
        if in_code:
            lines.append(Verbatim("    " + raw.replace("[", "\\[")))
        elif raw.strip():
            paragraph.append(raw.strip())
        elif paragraph:
            lines.append(code_spans(" ".join(paragraph)))
            paragraph = []
    if paragraph:
        lines.append(code_spans(" ".join(paragraph)))
    return lines
