"""What a judge is given besides the state (`Context`), what it answers (`Finding`: its claim,
whether the state meets it, and the detail when it does not), and what a check reports of
one expectation (`Outcome`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..state import SandboxState


@dataclass(frozen=True)
class Outcome:
    """One expectation as a check reports it: its claim (`text`), whether the state meets it,
    and, when it does not, what the state is (`detail`), in words true of that state."""

    text: str
    met: bool
    detail: str = ""
    # Not decided yet: it needs the fresh build, which a state is read with only when this
    # expectation is the last one standing (it costs a migrate).
    pending: bool = False
    # A protection every step holds (see `protections.py`), not one of the step's own: it is
    # listed only where it is broken.
    protection: bool = False

    def to_json(self) -> dict:
        return {"text": self.text, "met": self.met, "detail": self.detail,
                "protection": self.protection}


@dataclass(frozen=True)
class Context:
    """What a check may compare the live state with, besides the state itself."""

    sandbox: Path
    # The state the lesson's sandbox was built in: its rows, its database's mark.
    start: SandboxState | None = None
    # For an explanation: the releases the tutor saw broken at any check of the lesson up to
    # its step (name -> what failed).
    broke_during: dict[str, str] = field(default_factory=dict)
    # The state the learner's current step began in (None: not known; the lesson's start then
    # stands for it): what a backup made during the step must hold.
    began: SandboxState | None = None

    def on(self, database: str) -> "Context":
        """The context as seen from one of the sandbox's databases."""
        import dataclasses

        return dataclasses.replace(
            self, start=self.start.on(database) if self.start is not None else None,
            began=self.began.on(database) if self.began is not None else None)

    @property
    def step_start(self) -> SandboxState | None:
        return self.began or self.start


Finding = tuple[str, bool, str]
