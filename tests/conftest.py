"""Shared fixtures: isolated tutor homes, real sandboxes, and ways to run the real CLI.

Building a lesson's sandbox runs real makemigrations and migrate; each lesson is built once per
test session into a template home, and every test gets its own copy of it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's own tutor home or course."""
    monkeypatch.delenv("TUTOR_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    # A learner's name is known, so `tutor start` goes straight to the lesson (tests of the
    # first-start name question remove it).
    monkeypatch.setenv("TUTOR_NAME", "Test Learner")


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "tutor home"


@pytest.fixture(scope="session")
def _built_homes(tmp_path_factory):
    cache: dict[str, Path] = {}

    def build(lesson_id: str) -> Path:
        if lesson_id not in cache:
            template = tmp_path_factory.mktemp("built") / "home"
            result = tutor(template, "reset", lesson_id)
            assert result.returncode == 0, result.stderr
            cache[lesson_id] = template
        return cache[lesson_id]

    return build


@pytest.fixture
def lesson_home(_built_homes, tmp_path):
    """A home whose sandbox is at the start of the given lesson (a private copy)."""

    def make(lesson_id: str) -> Path:
        target = tmp_path / f"home-{lesson_id}"
        shutil.copytree(_built_homes(lesson_id), target, symlinks=True)
        return target

    return make


def tutor(home: Path | None, *args: str, input: str | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real `tutor` CLI (as `python -m tutor`) in a fresh process."""
    command = [sys.executable, "-m", "tutor", *args]
    if home is not None:
        command += ["--home", str(home)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(command, capture_output=True, text=True, input=input,
                          cwd=cwd or REPO, env=env, encoding="utf-8")


def tutor_json(home: Path, *args: str) -> tuple[int, dict]:
    result = tutor(home, *args, "--json")
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def manage(home: Path, *args: str) -> subprocess.CompletedProcess:
    """Run a real `python manage.py ...` in the home's sandbox, as a learner would."""
    sandbox = home / "sandbox"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shop.settings", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=sandbox, env=env,
                          capture_output=True, text=True, encoding="utf-8")


def edit(home: Path, relative: str, old: str, new: str) -> None:
    path = home / "sandbox" / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{relative} does not contain {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def unmet(report: dict) -> list[str]:
    """The details of the unmet expectations of a `check --json` report."""
    return [e["detail"] for e in report["expectations"] if not e["met"]]


def not_yet(home: Path, step_index: int | None = None) -> dict:
    """`tutor check --json` on a state that must not pass: exit 1, at `step_index` if given."""
    status, report = tutor_json(home, "check")
    assert status == 1, report
    if step_index is not None:
        assert report["step_index"] == step_index, report
    return report


def unmet_text(home: Path, step_index: int) -> str:
    """All unmet details of a check that must not pass, as one string to search."""
    return " ".join(unmet(not_yet(home, step_index)))


def solve_steps(home: Path, count: int) -> Path:
    """Carry the home's lesson `count` steps forward with the reference solution."""
    for _ in range(count):
        result = tutor(home, "solve")
        assert result.returncode == 0, result.stdout + result.stderr
    return home


def run_ok(home: Path, *args: str) -> subprocess.CompletedProcess:
    """A manage.py command that must succeed."""
    result = manage(home, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result
