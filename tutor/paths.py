"""Where things live: the shipped course files, and the learner's home (progress and sandbox)."""

from __future__ import annotations

import os
from pathlib import Path

from .exceptions import UnsafeHome
from .home_layout import CACHE, COURSE_CACHE, MARKER

APP_NAME = "migration-tutor"


def resource_dir(name: str) -> Path:
    """A folder shipped with the tutor: `lessons` or `sandbox_project`.

    In a wheel they are installed inside the `tutor` package; in a source checkout (or an
    editable install) they stand at the top of the repository, beside `tutor/`.
    """
    package = Path(__file__).resolve().parent
    for candidate in (package / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the tutor's {name}/ folder is missing from {package}")


def default_home() -> Path:
    """The platform's user data folder for the tutor (platformdirs: `$XDG_DATA_HOME` or
    ~/.local/share on Linux, ~/Library/Application Support on macOS, %LOCALAPPDATA% on
    Windows)."""
    from platformdirs import user_data_dir  # only when no --home or TUTOR_HOME is given

    return Path(user_data_dir(APP_NAME, appauthor=False))


def resolve_home(option: str | None) -> Path:
    """The home chosen by `--home`, else `TUTOR_HOME`, else the platform default.

    A home is refused when it is a place whose contents are not the tutor's to manage: the
    file-system root, the user's own home folder, or a non-empty folder the tutor did not make.
    """
    if option is not None and not option.strip():
        raise UnsafeHome("--home is empty.", "Give the folder for the tutor's home, e.g. "
                                             "`--home ~/migration-tutor`, or leave --home out.")
    chosen = option or os.environ.get("TUTOR_HOME") or None
    home = Path(chosen).expanduser() if chosen else default_home()
    home = home.absolute()
    resolved = home.resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        raise UnsafeHome(
            f"The tutor will not use {home} as its home: it keeps a sandbox there that it "
            "deletes and rebuilds.",
            "Choose an empty or new folder, e.g. `--home ~/migration-tutor`.",
        )
    if home.exists() and not home.is_dir():
        raise UnsafeHome(f"{home} is a file, not a folder.", "Choose a folder for --home.")
    for parent in home.parents:
        if parent.exists() and not parent.is_dir():
            raise UnsafeHome(f"{home} cannot be a folder: {parent} is a file.",
                             "Choose a folder for --home.")
    if home.is_dir() and not (home / MARKER).exists() and any(home.iterdir()):
        raise UnsafeHome(
            f"{home} already holds files the tutor did not make.",
            "The tutor only uses an empty or new folder (or one it made before), so that it "
            "never deletes anything of yours. Choose another --home.",
        )
    return home


def resolve_course_file(option: str | None) -> Path | None:
    """The course file chosen by `--course`, else `TUTOR_COURSE`; None: the shipped course.
    A relative path is taken from the current folder, as a learner typed it."""
    chosen = option or os.environ.get("TUTOR_COURSE") or None
    return Path(chosen).expanduser() if chosen else None


def claim_home(home: Path) -> None:
    """Create the home (if needed) and mark it as the tutor's own. It is its owner's alone
    (like ~/.ssh), whatever the umask: it holds secrets (a database's password in the
    sandbox's settings and in the timeline's copies of them, a class token)."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    marker = home / MARKER
    if not marker.exists():
        marker.write_text("This folder belongs to migration tutor (`tutor`).\n", encoding="utf-8")
    if home.stat().st_mode & 0o077:
        home.chmod(0o700)


def course_cache(home: Path) -> Path | None:
    """Where parsed lesson files are kept: in a home the tutor has made, else nowhere."""
    return home / CACHE / COURSE_CACHE if (home / MARKER).exists() else None
