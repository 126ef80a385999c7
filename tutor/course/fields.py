"""Reading one TOML table of the format, field by field: each checked for presence and type,
every field that becomes a path kept in its place (`PATH_FIELDS`), and a field never read
refused (`Fields.finish`), so a misspelt name cannot pass silently.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ..exceptions import LessonFileError
from .kinds import DEFAULT_DATABASE, SCALAR

FORMAT_VERSION = 1


def inside_path(value: str, file: str, field_name: str, within: str = "the sandbox",
                *, itself: bool = False) -> str:
    """A path a lesson names: relative, and inside `within` (no absolute path, no drive, no
    `..`): a course handed to a room may not write, delete or read anywhere else. Only where
    `itself` may it name `within` itself (`.`)."""
    from pathlib import PurePosixPath, PureWindowsPath

    if not value.strip() or "\x00" in value:
        raise LessonFileError(file, field_name, "must name a file")
    windows = PureWindowsPath(value)
    if PurePosixPath(value).is_absolute() or windows.is_absolute() or windows.drive \
            or value.startswith(("/", "\\", "~")):
        raise LessonFileError(file, field_name, f"{value!r} is an absolute path: a lesson "
                                                f"names paths inside {within}")
    if ".." in value.replace("\\", "/").split("/"):
        raise LessonFileError(file, field_name, f"{value!r} leads out of {within} with `..`")
    import posixpath

    if not itself and posixpath.normpath(value.replace("\\", "/")) == ".":
        raise LessonFileError(file, field_name, f"{value!r} is {within} itself, not a file "
                                                f"in it")
    return value


FIELD_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# A migration's name is a Python module's, in the app's migrations folder.
MIGRATION_NAME = re.compile(r"[A-Za-z0-9_]{1,100}")
# A lesson's id is its file's name, in the course's lessons folder.
LESSON_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
GIT_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}")
DATABASE_NAME = re.compile(r"[a-z][a-z0-9_]{0,30}")
# An idea a lesson introduces or needs ("migrate-target", "fake"): lower-case words and digits
# joined by `-`, as `lint-lessons` names the ideas it reads from a solution's commands.
IDEA_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
IDEA_LENGTH = 40


def _in_sandbox(value: str, file: str, field_name: str) -> None:
    inside_path(value, file, field_name)


# What a lesson may not write, edit or delete in the sandbox: the tutor's own record of the
# build (without it the sandbox is no longer the tutor's to reset), and git's own folder
# (its config and hooks run programs: a file there is code no listing shows).
_NOT_WRITTEN = (".tutor-sandbox", ".git")


def _sandbox_target(value: str, file: str, field_name: str) -> None:
    """A file the tutor writes, edits or deletes: inside the sandbox, a file's name (not a
    folder's), no part longer than a file system takes, and none of the tutor's or git's."""
    inside_path(value, file, field_name)
    parts = [part for part in value.replace("\\", "/").split("/") if part not in ("", ".")]
    if value.endswith(("/", "\\")):
        raise LessonFileError(file, field_name, f"{value!r} names a folder: name a file")
    if any(len(part.encode("utf-8")) > 255 for part in parts):
        raise LessonFileError(file, field_name, f"{value[:60]!r}... has a part longer than "
                                                "255 bytes, more than a file system takes")
    if parts and parts[0] in _NOT_WRITTEN:
        raise LessonFileError(file, field_name, f"{value!r} is in {parts[0]}, which is the "
                                                "tutor's own or git's: a lesson does not write "
                                                "there")


def _sandbox_folder(value: str, file: str, field_name: str) -> None:
    inside_path(value, file, field_name, itself=True)


def _in_lesson_folder(value: str, file: str, field_name: str) -> None:
    inside_path(value, file, field_name, "the lesson's folder")


def _module_name(value: str, file: str, field_name: str) -> None:
    if not MIGRATION_NAME.fullmatch(value):
        raise LessonFileError(file, field_name, f"{value!r} is not a migration's name (letters, "
                                                "digits and _, as makemigrations names them)")


def _database_name(value: str, file: str, field_name: str) -> None:
    if not DATABASE_NAME.fullmatch(value) or value == DEFAULT_DATABASE:
        raise LessonFileError(file, field_name,
                              f"{value!r} must be a lower-case name (letters, digits, _) other "
                              "than 'default', the learner's own database")


# Every field of the lesson format whose value becomes a path (a file the tutor writes, reads,
# deletes or imports), by where it stands (`field_pattern`), and the rule that keeps it in its
# place. `Fields.get` applies the rule to every field read at such a place: a field declared
# here cannot be read unchecked (tests/test_lesson_files.py plants `..` and absolute paths in
# each, and builds a lesson whose every other text leads out, to prove nothing else is a path).
PATH_FIELDS: dict[str, Callable[[str, str, str], None]] = {
    # Written into the sandbox, from files beside the lesson.
    "start.files[].path": _sandbox_target,
    "start.files[].source": _in_lesson_folder,
    # A migration of the start: a module in the app's migrations folder, made from a models
    # version (a file beside the lesson) or copied from a file beside it.
    "start.migrations[].name": _module_name,
    "start.migrations[].models": _in_lesson_folder,
    "start.migrations[].source": _in_lesson_folder,
    "start.models": _in_lesson_folder,
    "start.apps[].migrations[].name": _module_name,
    "start.apps[].migrations[].models": _in_lesson_folder,
    "start.apps[].migrations[].source": _in_lesson_folder,
    "start.apps[].models": _in_lesson_folder,
    # A database of the start: its SQLite file in the sandbox is named after it.
    "start.databases[].name": _database_name,
    "releases[].models": _in_lesson_folder,
    # What the start's and a solution's actions delete or edit.
    "start.commands[].delete": _sandbox_target,
    "start.commands[].edit": _sandbox_target,
    "steps[].solution[].delete": _sandbox_target,
    "steps[].solution[].edit": _sandbox_target,
    # What a check reads.
    "expect.file": _in_sandbox,
    "expect.backup": _in_sandbox,
    "expect.under": _sandbox_folder,
    "expect.same_as": _in_sandbox,
}


def field_pattern(where: str) -> str:
    """Where a field stands, as PATH_FIELDS names it: list indexes as `[]`, a backend's
    telling of a step (`steps[2].on.mysql.`) as the step, and every expectation (a step's, an
    invariant, a condition of either or of an explanation) as `expect`."""
    where = re.sub(r"\[\d+\]", "[]", where)
    where = re.sub(r"^steps\[\]\.on\.[a-z]+\.", "steps[].", where)
    return re.sub(r"^(?:steps\[\]\.expect\[\]|invariants\[\]|steps\[\]\.explanation\[\]"
                  r"\.when(?:\[\])?)(?:\.when(?:\[\])?)?\.", "expect.", where)


MISSING = object()


class Fields:
    """Reads fields of one TOML table, each checked for presence and type; `finish()` rejects
    any field that was never read, so a misspelt field name cannot pass silently."""

    def __init__(self, data: dict, file: str, where: str = "",
                 error: type[LessonFileError] = LessonFileError):
        self.data = data
        self.file = file
        self.where = where
        self.error = error  # a course file's problems are told as such
        self.seen: set[str] = set()

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kind: type, default: Any = MISSING) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if default is MISSING:
                raise self.error(self.file, self._name(key), "is missing")
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(self.file, self._name(key),
                             f"must be {TYPE_WORDS[kind]}, not {type(value).__name__}")
        rule = PATH_FIELDS.get(field_pattern(self._name(key)))
        if rule is not None and isinstance(value, str):
            rule(value, self.file, self._name(key))
        return value

    def ideas(self, key: str) -> tuple[str, ...]:
        """`introduces`, `needs` (a lesson's) or `assumes` (a course file's): a list of ideas'
        ids, each once (default: none)."""
        ideas = self.get(key, list, [])
        for i, idea in enumerate(ideas):
            where = self._name(f"{key}[{i}]")
            if not isinstance(idea, str):
                raise self.error(self.file, where, "must be an idea's id (a string), not "
                                                   f"{type(idea).__name__}")
            if len(idea) > IDEA_LENGTH or not IDEA_ID.fullmatch(idea):
                from ..markup import printable

                raise self.error(self.file, where,
                                 f"{printable(idea[:IDEA_LENGTH + 1])!r} is not an idea's id: "
                                 "lower-case words and digits joined by `-` (at most "
                                 f"{IDEA_LENGTH} characters), like \"migrate-target\"")
            if idea in ideas[:i]:
                raise self.error(self.file, where, f"{idea!r} is listed twice")
        return tuple(ideas)

    def require_format(self) -> None:
        version = self.get("format", int)
        if version != FORMAT_VERSION:
            raise self.error(self.file, "format",
                             f"is {version}; this tutor reads format {FORMAT_VERSION}")

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self.error(self.file, self._name(unknown[0]), "is not a known field")


TYPE_WORDS = {str: "a string", list: "a list", dict: "a table", bool: "true or false",
               int: "a whole number", SCALAR: "a number, a string or true/false",
               (str, dict): "a migration name or a table", (str, list): "a string or a list",
               (dict, list): "a table or a list of tables"}
