"""Small file helpers shared by progress, lesson and snapshot code: atomic writes, content
fingerprints and JSON read from a file. All are cheap to import (no tempfile, no hashlib):
they sit on the path of every command."""

from __future__ import annotations

import contextlib
import os
import zlib
from pathlib import Path
from typing import Iterable


def write_atomically(path: Path, text: str, durable: bool = True, mode: int = 0o644, *,
                     secret: bool = False) -> None:
    """Write `text` to `path` so that a crash at any moment leaves either the old file whole
    or the new one (`durable`: flushed to disk before it replaces the old one; `mode`: its
    permissions, at most, whatever the umask lets through). A `secret` (a password, a token)
    is readable by its owner only (0600), from its first byte on."""
    mode = 0o600 if secret else mode
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)  # a leftover keeps its own mode: start afresh
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def fingerprint(chunks: Iterable[bytes]) -> str:
    """A 64-bit fingerprint of some bytes (CRC-32 and Adler-32 together): plenty to tell one
    version of a lesson or a template from another; not meant to resist tampering."""
    crc, adler = 0, 1
    for chunk in chunks:
        length = len(chunk).to_bytes(8, "little")  # so that ("ab", "c") differs from ("a", "bc")
        crc = zlib.crc32(chunk, zlib.crc32(length, crc))
        adler = zlib.adler32(chunk, zlib.adler32(length, adler))
    return f"{crc:08x}{adler:08x}"


class DamagedJson(ValueError):
    """JSON read from a file that the tutor cannot use: malformed, torn by a crash, not UTF-8,
    or nested deeper than Python's parser can go."""


def parse_json(text: str | bytes):
    """`json.loads` whose only failure is DamagedJson (a ValueError): a file of 100 000
    nested brackets makes json raise RecursionError, which no caller expects from data."""
    import json

    try:
        return json.loads(text)
    except RecursionError:
        raise DamagedJson("nested too deeply to read") from None
    except ValueError as error:  # (and UnicodeDecodeError, for bytes)
        raise DamagedJson(str(error)) from None


def read_json(path: Path):
    """The JSON in the file at `path`; OSError if it cannot be read, DamagedJson if it is
    not JSON the tutor can use."""
    return parse_json(path.read_bytes())
