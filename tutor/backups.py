"""What a backup file holds: the objects `dumpdata` wrote, read from the file itself.

A backup is judged by what it holds, never by a piece of its text: each object's model,
primary key and field values, from any format `dumpdata` writes without extra packages (JSON,
with any indentation; JSON Lines; XML), in any order, compressed as `loaddata` reads it or not
(`.gz`, `.bz2`, `.xz`, `.lzma`). The file is the learner's: it is read within a size bound
(compressed or not), an XML document type (and so any entity) is refused, and nothing in it
is run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A course's backups hold a few rows; a bigger file is not read (it would cost every check).
MAX_BYTES = 16 * 1024 * 1024
# The formats, as `dumpdata --format` and `loaddata` name them (by a file's extension).
FORMAT_WORDS = {"json": "JSON", "jsonl": "JSON Lines", "xml": "XML"}
COMPRESSIONS = (".gz", ".bz2", ".xz", ".lzma")


@dataclass(frozen=True)
class Backup:
    format: str          # one of FORMAT_WORDS: what the file holds
    objects: list        # its objects (Saved)
    plain_utf8: bool = True  # no byte-order mark, no UTF-16: what loaddata's JSON reader takes

    def loadable_as(self, name: str) -> str:
        """Why `loaddata NAME` could not read this file back ("" when it could): loaddata
        picks its reader by the file's extension (after any compression's)."""
        stem = name[:-len(_compression(name))] if _compression(name) else name
        extension = stem.rpartition(".")[2].lower() if "." in stem else ""
        if extension not in FORMAT_WORDS:
            return (f"`loaddata {name}` knows no format for it: name it .json (or .jsonl, "
                    ".xml), after the format it holds")
        if extension != self.format:
            return (f"it holds {FORMAT_WORDS[self.format]}, which `loaddata {name}` would read "
                    f"as {FORMAT_WORDS[extension]} (by its extension), and fail: write it with "
                    f"`dumpdata --format {extension}`, or give it the extension .{self.format}")
        if self.format != "xml" and not self.plain_utf8:
            return ("it is written in UTF-16 or starts with a byte-order mark, which `loaddata` "
                    "cannot read (Windows PowerShell's `>` writes so): write it with `dumpdata "
                    "--output FILE`")
        return ""


def _compression(name: str) -> str:
    return next((suffix for suffix in COMPRESSIONS if name.lower().endswith(suffix)), "")


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


def read_backup(path: Path) -> Backup:
    """What a `dumpdata` file holds (JSON, JSON Lines or XML, compressed or not)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BackupUnreadable(f"it is {size // (1024 * 1024)} MB, more than the tutor "
                                   "reads")
        data = _decompressed(path.read_bytes(), _compression(path.name))
    except FileNotFoundError:
        raise BackupUnreadable("there is no such file") from None
    except OSError as error:
        raise BackupUnreadable(f"it cannot be read ({error.strerror or error})") from None
    text = _decoded(data)
    plain = not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return Backup("xml", _from_xml(stripped))
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
        return Backup("json", [_object(item) for item in whole], plain)
    return Backup("jsonl", _from_json_lines(text), plain)


def _decompressed(data: bytes, compression: str) -> bytes:
    """The file's bytes, uncompressed as `loaddata` would, and no more than MAX_BYTES of them."""
    if not compression:
        return data
    import bz2
    import gzip
    import io
    import lzma

    openers = {".gz": lambda raw: gzip.GzipFile(fileobj=raw), ".bz2": bz2.BZ2File}
    try:
        with openers.get(compression, lzma.LZMAFile)(io.BytesIO(data)) as stream:
            out = stream.read(MAX_BYTES + 1)
    except (OSError, EOFError, lzma.LZMAError):
        raise BackupUnreadable(f"it is not a {compression} file") from None
    if len(out) > MAX_BYTES:
        raise BackupUnreadable("uncompressed, it is more than the tutor reads")
    return out


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
