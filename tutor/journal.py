"""What the learner did, lesson by lesson, for `tutor notes`: each command (or change made
outside the tutor) with what it changed and the steps it passed, each reset, and each undo
with the commands it took back. One JSON object per line in `HOME/journal.jsonl`, only ever
appended to; it outlives resets and undos (the timeline of `history.py` does not).

The journal is a listener of the service (`listeners.py`): it records the checks and resets
it is told of. "What changed" comes with each check, computed by the service against the
state the journal last saw of the lesson's sandbox (`HOME/journal-state.json`, `last_state`),
or the lesson's start after a reset.

A crash in the middle of an append leaves a torn last line; anything may have been written
into the file. A line that cannot be read is left out and counted (`damaged`: the notes say
so), and the next entry begins on a line of its own, never glued onto the torn bytes. Lines
end at "\n" only: an entry's text may hold U+2028 or NEL, which `splitlines` would cut at.
"""

from __future__ import annotations

import json
from pathlib import Path

from .files import DamagedJson, parse_json, read_json
from .home_layout import JOURNAL, JOURNAL_STATE
from .listeners import Checked, Listener, Reset
from .progress import now
from .state import SandboxState


class Journal(Listener):
    """The learner's notes, one line per thing done, only ever appended to; and the last
    state it saw of the lesson's sandbox (the baseline of the next "what changed")."""

    def __init__(self, home: Path):
        self.path = home / JOURNAL
        self.last_path = home / JOURNAL_STATE
        self.damaged = 0  # lines the last `entries()` could not read

    def entries(self) -> list[dict]:
        """Every entry, oldest first. A line that cannot be read is left out, and counted in
        `damaged`."""
        found = []
        self.damaged = 0
        try:
            lines = self.path.read_bytes().split(b"\n")
        except OSError:
            return []
        for line in lines:
            if not line.strip():
                continue
            try:
                entry = parse_json(line)
            except DamagedJson:
                entry = None
            if isinstance(entry, dict) and isinstance(entry.get("lesson"), str):
                found.append(entry)
            else:
                self.damaged += 1
        return found

    def add(self, entry: dict) -> None:
        # ASCII: a name's odd characters (a lone surrogate, U+2028) are escapes in the file.
        line = (json.dumps(entry, ensure_ascii=True) + "\n").encode("ascii")
        try:
            with self.path.open("a+b") as journal:
                # After a torn last line (a crash mid-append), this entry starts a new line.
                end = journal.seek(0, 2)
                if end:
                    journal.seek(end - 1)
                    if journal.read(1) != b"\n":
                        line = b"\n" + line
                journal.write(line)
        except OSError:
            pass  # the notes lose a line; the lesson goes on

    def last_state(self, lesson_id: str) -> SandboxState | None:
        try:
            data = read_json(self.last_path)
            if data.get("lesson") != lesson_id:
                return None
            return SandboxState.from_json(data["state"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None

    def saw(self, lesson_id: str, state: SandboxState | None) -> None:
        from .files import write_atomically

        if state is None:
            self.last_path.unlink(missing_ok=True)
            return
        try:
            write_atomically(self.last_path, json.dumps(
                {"lesson": lesson_id, "state": state.to_json()}), durable=False)
        except OSError:
            pass

    # --- what the service tells ---------------------------------------------------------

    def checked(self, checked: Checked) -> None:
        """The command (or outside change, or answer) just checked: what it changed since
        the journal last saw the sandbox, and the steps it passed."""
        if checked.fast_forward:
            return
        report = checked.report
        lesson = report.lesson
        passed = [{"step": index + 1, "title": lesson.steps[index].title,
                   "explanation": report.verdict.explanations.get(index, "")}
                  for index in report.passed_steps]
        if checked.answered is not None:
            self.add({"lesson": lesson.id, "at": now(), "kind": "answer",
                      "question": checked.answered[0], "answer": checked.answered[1],
                      "changes": report.changes, "passed": passed})
        elif checked.did or report.changes or passed:
            self.add({"lesson": lesson.id, "at": now(), "kind": "command",
                      "did": checked.did, "changes": report.changes, "passed": passed})
        self.saw(lesson.id, report.state)

    def reset_built(self, reset: Reset) -> None:
        self.add({"lesson": reset.lesson.id, "at": now(), "kind": "reset", "step": reset.step})
        self.saw(reset.lesson.id, None)  # from the lesson's start

    def reset_done(self, reset: Reset) -> None:
        if reset.reached is not None:  # the notes begin where the learner does
            self.saw(reset.lesson.id, reset.reached)

    def restored(self, kind: str, lesson_id: str, dids: list[str]) -> None:
        """An undo (or a redo): the commands it took back (or brought back), newest first."""
        self.add({"lesson": lesson_id, "at": now(), "kind": kind,
                  ("undone" if kind == "undo" else "redone"): dids})
