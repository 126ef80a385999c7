"""Django reports most failures (a ValidationError, an IrreversibleError, an inconsistent
history) as a Python traceback of thirty lines: what a learner needs is its last line, the
error itself. These shorten a traceback to that line, in finished output or in a stream.
"""

from __future__ import annotations

from typing import Callable

MARKER = "Traceback (most recent call last):"
# Between the tracebacks of chained exceptions; the error lines around them say it all.
CHAIN_LINES = {
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
}
NOTE = "(Django printed a traceback; only its error line is shown)"


# manage.py commands that talk with the learner on both stdout and stderr (an interactive
# console): their standard error must stay on the terminal, in order with their prompts.
INTERACTIVE_COMMANDS = {"shell", "dbshell"}


def worth_filtering(command: str) -> bool:
    """Whether a command typed in `tutor start` may have its standard error filtered: a
    `python manage.py` command that is not an interactive console. Anything else (an editor,
    git, a shell of its own) keeps the terminal as it is."""
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        return False
    return (len(words) >= 3 and words[0] in ("python", "python3") and words[1] == "manage.py"
            and words[2] not in INTERACTIVE_COMMANDS)


def shorten_traceback(output: str) -> str:
    """Finished output with each traceback reduced to its error line."""
    shortened: list[str] = []
    stream = TracebackFilter(shortened.append)
    # stdout and stderr captured together: "Applying ...Traceback (most recent call last):"
    lines = [part for line in output.splitlines()
             for part in _split_at_marker(line)]
    stream.feed("\n".join(lines) + "\n")
    stream.close()
    text = "".join(shortened).rstrip("\n")
    return f"{text}\n{NOTE}" if stream.shortened else output


def _split_at_marker(line: str) -> list[str]:
    before, marker, after = line.partition(MARKER)
    return [before, marker + after] if marker and before.strip() else [line]


class TracebackFilter:
    """Passes a stream of text on to `write` as it comes, except the frames of tracebacks:
    of each traceback only its error line is written, as soon as it arrives (an interactive
    `manage.py shell` prints a traceback and goes on). Text that is not yet a whole line is
    written at once too (a prompt waits for an answer), unless it may be the start of one.

    Linear in what it is fed: each piece is looked at once, however long a line grows
    (20 MB of output without a newline is as cheap as 20 MB of short lines)."""

    NORMAL, FRAMES, AFTER_ERROR = range(3)
    # A line longer than this (and not yet a traceback's) cannot become a traceback's first
    # line or the glue between chained ones.
    LONGEST_BEGINNING = 2 * max(len(line) for line in [MARKER, *CHAIN_LINES])

    def __init__(self, write: Callable[[str], object]):
        self.write = write
        self.state = self.NORMAL
        self.parts: list[str] = []  # the current line's text not written yet, in pieces
        self.line_started = False   # part of the current line was written already
        self.shortened = False

    @property
    def pending(self) -> str:
        if len(self.parts) > 1:
            self.parts[:] = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""

    def feed(self, text: str) -> None:
        while text:
            head, newline, text = text.partition("\n")
            if head and not (self.state == self.FRAMES and self._in_frame_line()):
                self.parts.append(head)  # (a frame's line is dropped: only its start counts)
            if not newline:
                break
            line, started = self.pending, self.line_started
            self.parts, self.line_started = [], False
            self._line(line, started)
        self._hold_or_write_partial()

    def _in_frame_line(self) -> bool:
        """Inside a traceback, the current line has begun with white space: a frame's."""
        return bool(self.parts) and self.parts[0][:1].isspace()

    def close(self) -> None:
        """The stream ended: whatever is left is written as it is."""
        if self.parts:
            self.write(self.pending)
            self.parts, self.line_started = [], False

    def _hold_or_write_partial(self) -> None:
        if self.state == self.FRAMES or not self.parts:
            return
        if not self.line_started and len(self.pending) <= self.LONGEST_BEGINNING:
            beginnings = [MARKER] if self.state == self.NORMAL else [MARKER, *CHAIN_LINES]
            if any(line.startswith(self.pending.strip() or " ") for line in beginnings) \
                    or self.state == self.AFTER_ERROR and not self.pending.strip():
                return  # may become a traceback's first line (or its glue): wait for the rest
        self.state = self.NORMAL
        self.write(self.pending)
        self.parts, self.line_started = [], True

    def _line(self, line: str, started: bool) -> None:
        """A line ended; `line` is what of it was not written yet."""
        if not started and line.strip() == MARKER:
            self.state, self.shortened = self.FRAMES, True
            return
        if self.state == self.NORMAL:
            self.write(line + "\n")
        elif self.state == self.FRAMES:
            if line and not line[0].isspace():  # frames are indented; the error is not
                self.write(line + "\n")
                self.state = self.AFTER_ERROR
        elif not line.strip() or line.strip() in CHAIN_LINES:
            return  # AFTER_ERROR: the glue before a chained traceback
        else:
            self.state = self.NORMAL
            self.write(line + "\n")
