"""The files a lesson is read from: its text (parsed once, and kept parsed while unchanged)
and the files beside it, looked up beside the lesson and then among the shipped ones, never
through a link that leads out of the lesson's folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..exceptions import LessonFileError
from ..files import fingerprint, write_atomically
from ..paths import resource_dir


def is_shipped_lesson(file: Path) -> bool:
    """Whether a lesson file is one of the tutor's own: directly in the shipped lessons (links
    followed: `Lesson.resource_path` finds its files on the same path)."""
    return file.resolve().parent == resource_dir("lessons").resolve()


def resource_folders(beside: Path, shared: Path | None) -> list[Path]:
    """Where a lesson's resources are looked up: beside it first, then the shared folder."""
    shared = shared or resource_dir("lessons")
    return [beside] if shared == beside else [beside, shared]


def find_resource(folders: list[Path], relative: str) -> Path | None:
    """The first folder's file of that name, if it is a file inside that folder (a symlink
    that leads out of it does not count: a lesson's sources are its own)."""
    for folder in folders:
        candidate = folder / relative
        if candidate.is_file() and is_within(candidate, folder):
            return candidate
    return None


def is_within(path: Path, folder: Path) -> bool:
    """Whether `path`, symlinks followed, is `folder` or inside it."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


class ParsedFiles:
    """Parsed lesson files, kept as JSON (in the tutor's home) and used again while a file's
    content is unchanged: parsing a dozen TOML files in pure Python would cost `tutor lessons`
    a fifth of its time. Without a cache path, every file is parsed."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self.entries: dict[str, list] = {}
        self.raw: dict[str, bytes] = {}  # file -> the bytes last parsed
        if path is not None:
            try:
                entries = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):  # a damaged cache only costs time
                entries = {}
            # Only entries of the cache's own shape are kept: anything else (written by
            # something else, or damaged) would be written back at the next save.
            self.entries = {name: entry for name, entry in entries.items()
                            if isinstance(entry, list) and len(entry) == 2
                            and isinstance(entry[0], str) and isinstance(entry[1], dict)
                            } if isinstance(entries, dict) else {}

    def read(self, file: Path) -> dict:
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            raise LessonFileError(file.name, "", "the file does not exist") from None
        except OSError as error:
            raise LessonFileError(file.name, "", f"cannot be read: {error}") from None
        self.raw[str(file)] = raw
        digest = fingerprint([raw])
        entry = self.entries.get(str(file))
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == digest:
            return entry[1]  # (also without a cache file: lint reads a file several times)
        data = parse_toml(raw, file.name)
        self.entries[str(file)] = [digest, data]
        if self.path is not None:
            self._save()
        return data

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, json.dumps(self.entries), durable=False)
        except (OSError, TypeError, ValueError, RecursionError):
            pass  # a cache that cannot be written (or holds what JSON cannot) only costs time


def parse_toml(raw: bytes, name: str) -> dict:
    import tomllib

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise LessonFileError(name, "", f"not valid TOML: {error}") from None
    except RecursionError:
        raise LessonFileError(name, "", "nested too deeply to be read") from None
    except UnicodeDecodeError as error:
        raise LessonFileError(name, "", f"cannot be read: {error}") from None
