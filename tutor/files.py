"""Small file helpers shared by progress, lesson and snapshot code: atomic writes and content
fingerprints. Both are cheap to import (no tempfile, no hashlib): they sit on the path of
every command."""

from __future__ import annotations

import contextlib
import os
import zlib
from pathlib import Path
from typing import Iterable


def write_atomically(path: Path, text: str, durable: bool = True, mode: int = 0o644) -> None:
    """Write `text` to `path` so that a crash at any moment leaves either the old file whole
    or the new one (`durable`: flushed to disk before it replaces the old one; `mode`: its
    permissions, at most, whatever the umask lets through)."""
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
