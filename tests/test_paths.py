"""Every learner path in tests/paths/, played against the real tutor and a real sandbox.

Each path file is one case: a learner's commands and answers from a step of a lesson, and
what each check must say (tests/paths/README.md). Right work under other names, wrong work
that must never pass, and the messages each must get: adding a case is adding a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from learner_paths import LearnerPath, play

from tutor.lessons import load_course

PATHS = sorted((Path(__file__).parent / "paths").glob("*/*.toml"))
# Set by .ci/run, "1" in one of its two suites and "2" in the other: each plays half of the
# paths on SQLite (every other one), and the two halves are all of them.
HALF_VARIABLE = "TUTOR_TEST_PATHS_HALF"
LESSONS = load_course().order


def _on_a_server(path_file: Path) -> bool:
    return LearnerPath.load(path_file).backend != "sqlite"


@pytest.mark.parametrize("path_file", [
    pytest.param(p, marks=[pytest.mark.server] if _on_a_server(p) else [],
                 id=f"{p.parent.name}/{p.stem}") for p in PATHS])
def test_learner_path(path_file, step_home, server_home, warm_reader):
    path = LearnerPath.load(path_file)
    assert path.lesson == path_file.parent.name, "a path lives in its lesson's folder"
    if path.backend == "sqlite":
        half = os.environ.get(HALF_VARIABLE, "")
        if half in ("1", "2") and PATHS.index(path_file) % 2 != int(half) - 1:
            pytest.skip(f"{HALF_VARIABLE}={half}: CI plays this path in its other suite (two "
                        "cores for both suites and the servers)")
        home = step_home(path.lesson, path.from_step)
    else:  # a server's database cannot be copied with the home: built for the path alone
        home = server_home(path.backend, path.lesson, path.from_step)
    play(path, home, warm_reader)


def test_every_lesson_has_paths_of_both_kinds():
    """At least two wrong paths and one right alternative per lesson (the file name says
    which: right-*.toml, wrong-*.toml)."""
    for lesson in LESSONS:
        names = [p.stem for p in PATHS if p.parent.name == lesson]
        assert sum(n.startswith("wrong-") for n in names) >= 2, lesson
        assert sum(n.startswith("right-") for n in names) >= 1, lesson
