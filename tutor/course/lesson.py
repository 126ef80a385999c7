"""A lesson, as the loader gives it: its texts, start, steps, invariants and releases, told
for one backend, with the files beside it (pinned as they were trusted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..backends import VENDOR_NAMES
from ..exceptions import LessonUnavailable
from .contents import backends_named, tools_missing, unavailable_on
from .model import Expectation, Invariant, Step
from .resources import find_resource, resource_folders
from .start import Release, Start, StartApp, models_file


@dataclass(frozen=True)
class Lesson:
    """A lesson as read from its file: texts, start, steps, invariants and releases, told for
    one backend (`as_told_on` gives its other tellings), with the files beside it as they were
    trusted (`resource`)."""

    id: str
    title: str
    summary: str
    intro: str
    start: Start
    steps: list[Step]
    file: Path = field(compare=False)
    invariants: list[Invariant] = field(default_factory=list)
    # Where resources not beside the lesson are found: the shipped lessons folder, so that an
    # instructor's own lesson can use the shipped models versions (None: the shipped one).
    shared: Path | None = field(default=None, compare=False)
    # The database backends the lesson's story holds on (empty: every one the tutor has).
    backends: tuple[str, ...] = ()
    # The releases of the shop's code that run during the lesson: the first from the start,
    # each other from the step that names it (`Step.release`).
    releases: list[Release] = field(default_factory=list)
    # The backend this telling of the lesson is for ("": any, the lesson tells no variant),
    # and the lesson as told on each backend (`as_told_on`, `[steps.on.X]`, an expectation's
    # `backends`), one telling shared by all of them.
    told: str = ""
    tellings: dict[str, "Lesson"] = field(default_factory=dict, compare=False, repr=False)
    # Whether the lesson is one of the tutor's own: decided once, from the path its text was
    # read from (links followed), never from the path again (a link swapped in later is not
    # the text that was read).
    shipped: bool = field(default=False, compare=False)
    # The bytes its text was parsed from (b"": not known), and the bytes of its files as they
    # were when its course was trusted (`pin`): what runs is what was trusted.
    source: bytes = field(default=b"", compare=False, repr=False)
    pinned: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    # The ideas (commands, options, ways of working: "fake", "squash") the lesson teaches,
    # and those it takes from lessons before it in the course (`lint-lessons` checks both).
    introduces: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    def as_told_on(self, backend: str) -> "Lesson":
        """The lesson as told where the sandbox's database is `backend`."""
        return self.tellings.get(backend, self)

    def unavailable_on(self, backend: str) -> str:
        """Why the lesson cannot be taken on this backend ("" when it can)."""
        return unavailable_on(self.backends, backend)

    def backends_named(self) -> str:
        """The backends the lesson's story holds on, by name: "SQLite"."""
        return backends_named(self.backends)

    def require_backend(self, backend: str) -> None:
        reason = self.unavailable_on(backend)
        if reason:
            raise LessonUnavailable(self.id, reason, self.where_to_take())

    def where_to_take(self) -> str:
        """How to take the lesson where its story holds: on SQLite if it can be, else on a
        server of its first backend."""
        if not self.backends or "sqlite" in self.backends:
            return f"`tutor reset {self.id} --database sqlite` takes it on SQLite."
        backend = self.backends[0]
        return (f"`tutor reset {self.id} --database {backend}://USER@HOST/` takes it on a "
                f"{VENDOR_NAMES[backend]} server (the README's \"--database\" says what the "
                "server needs).")

    def release(self, name: str) -> Release | None:
        return next((release for release in self.releases if release.name == name), None)

    def running_release(self, index: int) -> Release | None:
        """The release running while step `index` (from 0) is the learner's: the last one
        deployed at or before it, else the first."""
        return self.release(running_at(self.steps, self.releases, index))

    def database_file(self, name: str) -> str:
        """The SQLite file of one of the lesson's databases, in the sandbox folder."""
        for database in self.start.databases:
            if database.name == name:
                return database.file
        return "db.sqlite3"

    def invariants_at(self, index: int) -> list[Expectation]:
        """The lesson's invariants that step `index` (from 0) must also meet."""
        return [inv.expectation for inv in self.invariants if inv.applies_to(index)]

    def models_source(self, version: str, app: StartApp | None = None) -> str:
        return self.resource((app or self.start.store).models_file(version))

    def imported_resources(self) -> list[str]:
        """The files beside the lesson that Django imports, whatever their names: each app's
        models versions and the migration files the start copies."""
        names = []
        for app in self.start.apps:
            names.extend(m.source or app.models_file(m.models) for m in app.migrations)
            names.append(app.models_file(app.models))
        return names

    def start_resources(self) -> list[str]:
        """Every file beside the lesson that its start state is built from, and the models its
        releases run with."""
        names = self.imported_resources()
        names.extend(extra.source for extra in self.start.files)
        names.extend(models_file("store", release.models) for release in self.releases
                     if release.models)
        return sorted(set(names))

    def tools_needed(self) -> list[str]:
        """Programs the lesson needs besides Python and Django."""
        return ["git"] if self.start.git else []

    def tools_missing(self) -> list[str]:
        """Needed programs this machine does not have: the lesson is skipped, not failed."""
        return tools_missing(tuple(self.tools_needed()))

    def resource(self, relative: str) -> str:
        """A file shipped beside the lesson (a models version, a migration, a fixture), or
        else in the shipped lessons folder."""
        return self.resource_bytes(relative).decode("utf-8")

    def resource_bytes(self, relative: str) -> bytes:
        """The file's bytes: as they were pinned when the course was trusted, if they were."""
        pinned = self.pinned.get(relative)
        return pinned if pinned is not None else self.resource_path(relative).read_bytes()

    def pin(self, relative: str, content: bytes) -> None:
        """Keep `content` as the file's bytes for every later use (every telling of the
        lesson shares one `pinned`)."""
        self.pinned[relative] = content

    def resource_path(self, relative: str) -> Path:
        # Beside the file the lesson really is (links followed), the path that also decides
        # whether it is shipped: a link to a shipped lesson is the shipped lesson, files and
        # all, never the shipped text with the Python that lies beside the link.
        beside = self.file.resolve().parent
        folders = resource_folders(beside, self.shared)
        return find_resource(folders, relative) or beside / relative


def running_at(steps: list[Step], releases: list[Release], index: int) -> str:
    """The name of the release running while step `index` (from 0) is the learner's: the
    last one deployed at or before it, else the first ("": the lesson has none)."""
    for step in reversed(steps[:index + 1]):
        if step.release:
            return step.release
    return releases[0].name if releases else ""
