"""The requests that run a lesson's releases of the shop's code as the state is read (see
`release.py` for what a request holds and what the release's process does with it). A
release of code from git is built from what the branch or tag holds, committed: this is the
one place that asks git for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .exceptions import TutorError

if TYPE_CHECKING:
    from .lessons import Course, Lesson
    from .sandbox import Sandbox


def release_requests(sandbox: Sandbox, course: Course,
                     require_trust: Callable[[Lesson], None]) -> list[dict]:
    """The releases of the sandbox's lesson, each to run against its database as the state
    is read; none for a lesson that declares none (or that no longer loads). A lesson with
    releases must be trusted (`require_trust` raises if not): a release imports the course's
    own models file."""
    lesson_id = sandbox.lesson_id()
    if lesson_id not in course.order:
        return []
    try:
        lesson = course.get(lesson_id)
    except TutorError:
        return []
    if lesson.releases:
        require_trust(lesson)
    return [release_request(sandbox, lesson, release) for release in lesson.releases]


def release_request(sandbox: Sandbox, lesson: Lesson, release) -> dict:
    """One release's request: its database, model, reads and inserts, and its code (the
    lesson's models file, or what `release.ref` holds in the sandbox's git repository)."""
    request = {"name": release.name, "database": release.database,
               "database_file": str(sandbox.path / lesson.database_file(release.database)),
               "app": "store", "model": release.model, "reads": list(release.reads),
               "reads_all": release.reads_all,
               "inserts": [dict(row) for row in release.inserts], "ref": release.ref}
    if not release.ref:
        request["models_source"] = lesson.models_source(release.models)
        return request
    # The code deployed is what the branch (or tag) holds, committed: its models and its
    # migration files, whatever the working copy has.
    from .sandbox import run_git

    folder = sandbox.path
    shown = run_git(folder, ["show", f"{release.ref}:store/models.py"])
    listed = run_git(folder, ["ls-tree", "--name-only", f"{release.ref}:store/migrations"])
    if shown.returncode != 0 or listed.returncode != 0:
        request["models_error"] = (f"the sandbox's git repository has no store/models.py "
                                   f"on {release.ref!r}")
        return request
    request["models_source"] = shown.stdout
    request["migration_files"] = sorted(
        name[:-3] for name in listed.stdout.splitlines()
        if name.endswith(".py") and name != "__init__.py")
    return request
