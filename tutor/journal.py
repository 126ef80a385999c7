"""What the learner did, lesson by lesson, for `tutor notes`: each command (or change made
outside the tutor) with what it changed and the steps it passed, each reset, and each undo
with the commands it took back. One JSON object per line in `HOME/journal.jsonl`, only ever
appended to; it outlives resets and undos (the timeline of `history.py` does not).

"What changed" is said against the state the journal last saw of the lesson's sandbox
(`HOME/journal-state.json`), or the lesson's start after a reset.
"""

from __future__ import annotations

import json
from pathlib import Path

from .state import SandboxState

JOURNAL_FILE = "journal.jsonl"
LAST_STATE_FILE = "journal-state.json"


class Journal:
    def __init__(self, home: Path):
        self.path = home / JOURNAL_FILE
        self.last_path = home / LAST_STATE_FILE

    def entries(self) -> list[dict]:
        """Every entry, oldest first (a line that cannot be read is left out)."""
        found = []
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("lesson"), str):
                found.append(entry)
        return found

    def add(self, entry: dict) -> None:
        try:
            with self.path.open("a", encoding="utf-8") as journal:
                journal.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError:
            pass  # the notes lose a line; the lesson goes on

    def last_state(self, lesson_id: str) -> SandboxState | None:
        try:
            data = json.loads(self.last_path.read_text(encoding="utf-8"))
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
