"""Where the sandbox's git repository stands: the branch checked out and the commit HEAD is
at, read from its .git folder's files (no git process; nothing outside .git is read)."""

from __future__ import annotations

import re
from pathlib import Path

from ..state import DETACHED


def _git_folder(sandbox: Path) -> Path | None:
    """The sandbox's own .git folder: not one a link leads to elsewhere (nothing outside the
    sandbox is read), nor a worktree's .git file."""
    git = sandbox / ".git"
    return git if git.is_dir() and not git.is_symlink() else None


def git_position(sandbox: Path) -> tuple[str, str]:
    """The branch checked out (DETACHED where HEAD is no branch) and the commit HEAD is at,
    read from .git/HEAD once (no git process needed); ("", "") where there is no repository."""
    git = _git_folder(sandbox)
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip() if git else ""
    except (OSError, UnicodeDecodeError):
        return "", ""
    prefix = "ref: refs/heads/"
    branch = head[len(prefix):] if head.startswith(prefix) else DETACHED if head else ""
    return branch, _git_head(git, head) if head else ""


def _git_head(git: Path, head: str) -> str:
    """The commit HEAD (its text `head`) is at, "abc1234 Its subject", read from .git's
    files: the ref, a loose ref or packed-refs, and the commit's own object where it is loose
    (a new commit is); without it, the short hash alone. "" where there is no commit."""
    try:
        if head.startswith("ref: "):
            ref = head[5:]
            if not ref.startswith("refs/") or ".." in ref.split("/"):
                return ""  # no ref git would write: nothing outside .git is read
            try:
                head = (git / ref).read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                packed = (git / "packed-refs").read_text(encoding="utf-8").splitlines()
                head = next((line.split()[0] for line in packed
                             if line.endswith(f" {ref}") and not line.startswith("#")), "")
    except (OSError, UnicodeDecodeError):
        return ""
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", head):
        return ""
    return f"{head[:7]} {_commit_subject(git, head)}".rstrip()


def _commit_subject(git: Path, sha: str) -> str:
    import zlib

    try:
        raw = zlib.decompress((git / "objects" / sha[:2] / sha[2:]).read_bytes())
    except (OSError, zlib.error):
        return ""  # packed, or unreadable: the hash says enough
    _, _, body = raw.partition(b"\n\n")
    return body.split(b"\n", 1)[0].decode("utf-8", "replace")[:100]
