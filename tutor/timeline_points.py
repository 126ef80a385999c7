"""What the sandbox's timeline keeps, as written in the home (see `history.py`): a point (a
snapshot of the sandbox, and what the check there saw), an undo (for `tutor redo`), a restore
under way (to finish one cut short), and on a server the tutor's copies of the database.
A point read back that reaches outside the sandbox is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .exceptions import TutorError


@dataclass
class Point:
    """One point of the timeline: the sandbox's files and folders as a snapshot took them,
    the command that led here, and what the check here saw (written as a small manifest,
    `HOME/history/points/NNNNNN.json`)."""

    number: int
    did: str       # the command that led here; "" for changes seen at a check
    at: int        # seconds since the epoch
    step: int      # the lesson's current step index once this point was checked
    files: dict[str, list]  # path -> [sha256, mode, size, mtime_ns, inode]; links: ["->", target]
    dirs: list[str] = field(default_factory=list)
    taken_ns: int = 0
    changes: list[str] = field(default_factory=list)  # what the check here saw change
    passed: list[int] = field(default_factory=list)   # the steps (from 1) passed here
    # On a server: the state read here (a digest: the database is no file to compare), and
    # the tutor's copy of the database as it was here.
    state_key: str = ""
    database: str = ""
    shared: bool = False  # the database is the lesson's kept start: never dropped by undo

    def content(self) -> tuple:
        """What the sandbox holds at this point (its stat details left out)."""
        return (tuple(sorted((path, entry[0], entry[1]) for path, entry in self.files.items())),
                tuple(sorted(self.dirs)), self.state_key)

    def to_json(self) -> dict:
        return {"number": self.number, "did": self.did, "at": self.at, "step": self.step,
                "files": self.files, "dirs": self.dirs, "taken_ns": self.taken_ns,
                "changes": self.changes, "passed": self.passed,
                "state_key": self.state_key, "database": self.database,
                "shared": self.shared}

    @classmethod
    def from_json(cls, data: dict) -> "Point":
        """A point as written; one edited to reach outside the sandbox (`..`, an absolute
        path, a path through a link) or to name content that is not a digest is refused."""
        point = cls(int(data["number"]), str(data["did"]), int(data["at"]), int(data["step"]),
                    {str(k): list(v) for k, v in data["files"].items()},
                    [str(d) for d in data["dirs"]], int(data.get("taken_ns", 0)),
                    [str(c) for c in data.get("changes", [])],
                    [int(n) for n in data.get("passed", [])],
                    str(data.get("state_key", "")), str(data.get("database", "")),
                    data.get("shared") is True)
        links = {path for path, entry in point.files.items() if entry[:1] == ["->"]}
        folders = set(point.dirs)
        for path in [*point.files, *point.dirs]:
            parts = path.split("/")
            if (not path or path.startswith("/") or "\\" in path
                    or any(part in ("", ".", "..") for part in parts)
                    or any("/".join(parts[:i]) in links for i in range(1, len(parts)))
                    or any("/".join(parts[:i]) not in folders for i in range(1, len(parts)))):
                raise ValueError(f"bad path {path!r}")
        for entry in point.files.values():
            if entry[0] == "->":
                if len(entry) != 2 or not isinstance(entry[1], str):
                    raise ValueError("bad link")
            elif not (len(entry) == 5 and isinstance(entry[0], str) and len(entry[0]) == 64
                      and all(c in "0123456789abcdef" for c in entry[0])
                      and all(isinstance(n, int) for n in entry[1:])):
                raise ValueError("bad file entry")
        return point


class Undo:
    """One undo, as the stack of undos keeps it (for `tutor redo`) and as a restore in progress
    names it (to finish it): the point it went back to, the points it took back (oldest first;
    the last is the sandbox as it was), and the lesson's progress before and after it (what
    the workspace writes; the timeline keeps it as it is given)."""

    def __init__(self, id: str, lesson: str, target: int, undone: list[int], before: dict,
                 after: dict):
        self.id, self.lesson, self.target, self.undone = id, lesson, target, undone
        self.before, self.after = before, after

    def to_json(self) -> dict:
        return {"id": self.id, "lesson": self.lesson, "target": self.target,
                "undone": self.undone, "before": self.before, "after": self.after}

    @classmethod
    def from_json(cls, data: dict) -> "Undo":
        undone = [int(n) for n in data["undone"]]
        if not undone or not isinstance(data["before"], dict) \
                or not isinstance(data["after"], dict):
            raise ValueError("bad undo")
        return cls(str(data["id"]), str(data["lesson"]), int(data["target"]), undone,
                   data["before"], data["after"])


class Restoring:
    """A restore under way, as `history/restoring` notes it before the first file changes:
    an undo (`kind` "undo", one entry) or a redo (the undos it takes back, newest first), and
    the point the sandbox is made into."""

    def __init__(self, kind: str, point: int, undos: list[Undo]):
        self.kind, self.point, self.undos = kind, point, undos

    def to_json(self) -> dict:
        return {"kind": self.kind, "point": self.point,
                "undos": [undo.to_json() for undo in self.undos]}

    @classmethod
    def from_json(cls, data) -> "Restoring":
        if type(data) is int:  # written by an older tutor: the point alone
            return cls("undo", data, [])
        if data["kind"] not in ("undo", "redo"):
            raise ValueError("bad kind")
        return cls(data["kind"], int(data["point"]), [Undo.from_json(u) for u in data["undos"]])


class ServerDatabase:
    """The sandbox's database on a server, and the tutor's copies of it kept by the points
    (named after it, so that the next build's worker drops them with it)."""

    KEEP = 10  # each copy is a whole database on the server

    def __init__(self, owned, name: str):
        self.owned, self.name = owned, name

    def keep(self, number: int) -> str:
        copy = f"{self.name}_u{number}"
        self.owned.copy(self.name, copy)
        return copy

    def restore(self, copy: str) -> None:
        try:
            self.owned.copy(copy, self.name)
        except TutorError:
            raise
        except Exception as error:  # a copy dropped by hand, say: the driver's own error
            raise TutorError(f"The tutor's copy {copy} of the sandbox's database could not be "
                             f"restored: {str(error).strip()}",
                             "`tutor reset` starts the lesson over.") from None

    def drop(self, copy: str) -> None:
        self.owned.drop(copy)
