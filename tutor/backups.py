"""What a backup file holds: the objects `dumpdata` wrote, read from the file itself.

A backup is judged by what it holds, never by a piece of its text: each object's model,
primary key and field values, from any format `dumpdata` writes without extra packages (JSON,
with any indentation; JSON Lines; XML), in any order. The file is the learner's: it is read
within a size bound, an XML document type (and so any entity) is refused, and nothing in it
is run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A course's backups hold a few rows; a bigger file is not read (it would cost every check).
MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Saved:
    """One object of a backup: its model ("store.product"), primary key and fields (field name
    -> value as the file gives it; a foreign key's value is the related object's key)."""

    model: str
    pk: Any
    fields: dict[str, Any]


class BackupUnreadable(Exception):
    """The file is no backup `dumpdata` writes; `reason` says why, in a learner's words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_backup(path: Path) -> list[Saved]:
    """The objects of a `dumpdata` file (JSON, JSON Lines or XML)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BackupUnreadable(f"it is {size // (1024 * 1024)} MB, more than the tutor "
                                   "reads")
        data = path.read_bytes()
    except FileNotFoundError:
        raise BackupUnreadable("there is no such file") from None
    except OSError as error:
        raise BackupUnreadable(f"it cannot be read ({error.strerror or error})") from None
    text = _decoded(data)
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return _from_xml(stripped)
    if not stripped:
        raise BackupUnreadable("it is empty")
    if stripped.rstrip() == "[":
        raise BackupUnreadable("it holds only `[`, what `dumpdata --output` leaves behind when "
                               "it fails")
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    except RecursionError:
        raise BackupUnreadable("it is nested too deeply to be a backup") from None
    if whole is not None:
        if not isinstance(whole, list):
            raise BackupUnreadable("it is JSON, but not the list of objects dumpdata writes")
        return [_object(item) for item in whole]
    return _from_json_lines(text)


def _decoded(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), or the UTF-16 that Windows
    PowerShell's `>` writes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BackupUnreadable("it is not text (UTF-8)") from None


def _object(item: Any) -> Saved:
    if not isinstance(item, dict) or not isinstance(item.get("model"), str) \
            or not isinstance(item.get("fields", {}), dict):
        raise BackupUnreadable("it is JSON, but not the objects dumpdata writes (each has "
                               "`model`, `pk` and `fields`)")
    return Saved(item["model"].lower(), item.get("pk"), dict(item.get("fields") or {}))


def _from_json_lines(text: str) -> list[Saved]:
    objects = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            objects.append(_object(json.loads(line)))
        except (ValueError, RecursionError):
            raise BackupUnreadable(f"it is neither JSON nor JSON Lines (line {number} is not "
                                   "JSON)") from None
    return objects


def _from_xml(text: str) -> list[Saved]:
    import xml.etree.ElementTree as ElementTree

    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise BackupUnreadable("it is XML with a document type, which dumpdata never writes")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise BackupUnreadable(f"it is not well-formed XML ({error})") from None
    if root.tag != "django-objects":
        raise BackupUnreadable("it is XML, but not dumpdata's (<django-objects>)")
    objects = []
    for element in root.findall("object"):
        fields = {}
        for field in element.findall("field"):
            name = field.get("name")
            if name:
                fields[name] = _xml_value(field)
        objects.append(Saved((element.get("model") or "").lower(), element.get("pk"), fields))
    return objects


def _xml_value(field) -> Any:
    if field.find("None") is not None:
        return None
    natural = field.findall("natural")
    if natural:
        return [item.text for item in natural]
    text = field.text or ""
    if field.get("type") == "BooleanField":
        return text == "True"
    return text
