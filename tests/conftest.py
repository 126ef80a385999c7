"""Shared fixtures: isolated tutor homes, real sandboxes, and ways to run the real CLI.

Building a lesson's sandbox runs real makemigrations and migrate; each lesson is built once per
test session into a template home, and every test gets its own copy of it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Started from a shell that ignores Ctrl-C (a background job, as some CI runners start it),
# this process would hand the ignored SIGINT on to every tutor it spawns, and the tests that
# press Ctrl-C would test nothing: give SIGINT a handler here, and exec gives children the
# default.
import signal  # noqa: E402

if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# This process never sets Django up for a sandbox (it could read only one, once): every state
# read of the tutor called in this process goes to a warm helper.
import tutor.reader  # noqa: E402

tutor.reader._read_here = True

# A class sender whose test server went gives up after 3 s, not a learner's 30: the tests'
# senders are gone soon after their servers (tests/test_class_teardown.py waits for that),
# and a test of the wait itself sets its own.
os.environ.setdefault("TUTOR_CLASS_SENDER_GONE", "3")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's own tutor home or course."""
    monkeypatch.delenv("TUTOR_HOME", raising=False)
    monkeypatch.delenv("TUTOR_TRUST_COURSE", raising=False)
    monkeypatch.delenv("TUTOR_DATABASE", raising=False)
    monkeypatch.delenv("TUTOR_CLASS", raising=False)
    monkeypatch.delenv("TUTOR_CLASS_CODE", raising=False)
    monkeypatch.delenv("TUTOR_PLAIN", raising=False)  # (plain mode's tests set it)
    # A class's background sender ends soon after its test (its home is thrown away too).
    monkeypatch.setenv("TUTOR_CLASS_SENDER_IDLE", "30")
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


@pytest.fixture(scope="session")
def warm_reader():
    """One warm state reader for the whole session: each read forks a fresh child, so it
    serves every home without ever being stale (tests/test_speed_design.py proves it)."""
    from tutor.reader import StateReader

    reader = StateReader(in_process=False)
    yield reader
    reader.close()


@pytest.fixture(scope="session")
def _step_homes(_built_homes, tmp_path_factory, warm_reader):
    """Homes at the start of each step of a lesson, reached by the reference solutions of
    the steps before it, each built once per session from the one before (`step` counts from
    1; the number of steps + 1 is the lesson completed)."""
    from tutor.workspace import Workspace

    cache: dict[tuple[str, int], Path] = {}

    def build(lesson_id: str, step: int) -> Path:
        key = (lesson_id, step)
        if key in cache:
            return cache[key]
        if step == 1:
            cache[key] = _built_homes(lesson_id)
            return cache[key]
        home = tmp_path_factory.mktemp(f"step{step}") / "home"
        shutil.copytree(build(lesson_id, step - 1), home, symlinks=True)
        workspace = Workspace(home, reader=warm_reader)
        heard: list[str] = []
        report = workspace.solve(lambda action, status, output: heard.append(
            f"$ {action.describe()} -> {status}\n{output}"))
        assert report.passed_steps == [step - 2], (lesson_id, step, report.passed_steps,
                                                   [o.detail for o in report.result.unmet],
                                                   "".join(heard))
        cache[key] = home
        return home

    return build


@pytest.fixture
def step_home(_step_homes, tmp_path):
    """A private copy of a home at the start of step `step` (1-based) of a lesson."""

    def make(lesson_id: str, step: int = 1) -> Path:
        target = tmp_path / f"home-{lesson_id}-{step}"
        shutil.copytree(_step_homes(lesson_id, step), target, symlinks=True)
        return target

    return make


def pytest_collection_modifyitems(items) -> None:
    """A test on a server (tests/test_servers.py's `url`) is marked `server`, as are the
    learner paths and play-throughs on one (marked where they are parametrized), so that
    `pytest -m server` runs them all and `-m "not server"` none."""
    for item in items:
        if "url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.server)


def ci_servers_job_only() -> list:
    """A module's `pytestmark` for tests that no Django line changes (the class server's):
    CI's two suites (TUTOR_TEST_PATHS_HALF set) skip them and its servers' job runs them
    once; a laptop's `python -m pytest` runs them as any other."""
    half = os.environ.get("TUTOR_TEST_PATHS_HALF", "")
    if half:
        return [pytest.mark.skip(reason=f"TUTOR_TEST_PATHS_HALF={half}: nothing here depends "
                                        "on Django; CI runs it once, in its servers' job")]
    return []


def ci_suite_only(half: str) -> list:
    """A module's `pytestmark` for tests of a piece that works alike on both Django lines (a
    learner's tutor in a class): CI runs them in one of its two suites, `half`, as it shares
    the learner paths; a laptop's `python -m pytest` runs them as any other."""
    running = os.environ.get("TUTOR_TEST_PATHS_HALF", "")
    if running and running != half:
        return [pytest.mark.skip(reason=f"TUTOR_TEST_PATHS_HALF={running}: CI runs this in "
                                        f"its other suite ({half})")]
    return []


# The test servers (`.ci/run` starts them), by the tutor's name for their vendor.
TEST_SERVERS = {"postgresql": os.environ.get("TUTOR_TEST_POSTGRESQL", ""),
                "mysql": os.environ.get("TUTOR_TEST_MARIADB", "")}
TEST_SERVER_VARIABLES = {"postgresql": "TUTOR_TEST_POSTGRESQL", "mysql": "TUTOR_TEST_MARIADB"}


@pytest.fixture(scope="session")
def _server_homes(tmp_path_factory):
    """One home per server and lesson for the whole session, and the databases they made,
    dropped at its end."""
    from tutor.backends import parse
    from tutor.spare_database import drop_home

    made: dict[Path, str] = {}
    yield tmp_path_factory.mktemp("server-homes"), made
    for home, url in made.items():
        drop_home(parse(url), home)


@pytest.fixture
def server_home(_server_homes, warm_reader):
    """A home whose sandbox's database is on the test server of a vendor, at the start of
    step `step` of a lesson, reached by the reference solutions. Skipped without that
    server. A home on a server is not copied (its copy would share the database): each
    server and lesson has one home, where the next test starts the lesson again as a learner
    would who lost their progress file (`tutor reset` then copies the start it kept)."""
    from tutor.workspace import Workspace

    root, made = _server_homes

    def make(vendor: str, lesson_id: str, step: int = 1) -> Path:
        url = TEST_SERVERS[vendor]
        if not url:
            pytest.skip(f"no {vendor} server: set {TEST_SERVER_VARIABLES[vendor]}")
        home = root / f"{vendor}-{lesson_id}"
        made[home] = url
        for learners in ("progress.json", "steps-seen.json"):
            (home / learners).unlink(missing_ok=True)
        result = tutor(home, "reset", lesson_id, "--database", url)
        assert result.returncode == 0, result.stdout + result.stderr
        for passed in range(step - 1):
            report = Workspace(home, reader=warm_reader).solve(lambda *_: None)
            assert report.passed_steps == [passed], (lesson_id, step, report.passed_steps)
        return home

    return make


@pytest.fixture
def lesson_home(_built_homes, tmp_path):
    """A home whose sandbox is at the start of the given lesson (a private copy)."""

    def make(lesson_id: str) -> Path:
        target = tmp_path / f"home-{lesson_id}"
        shutil.copytree(_built_homes(lesson_id), target, symlinks=True)
        return target

    return make


def with_snapshots(home: Path, built, lessons) -> Path:
    """`home`, given the start snapshots of `lessons` (`built`: the `_built_homes` fixture),
    as after a first `tutor reset` of each: a session still builds each sandbox ("Sandbox
    ready"), from the snapshot instead of from scratch."""
    for lesson in lessons:
        for snapshot in (built(lesson) / "snapshots").iterdir():
            target = home / "snapshots" / snapshot.name
            if (snapshot / ".tutor-sandbox").is_file() and not target.exists():
                shutil.copytree(snapshot, target, symlinks=True)
    (home / ".tutor-home").write_text("This folder belongs to migration tutor (`tutor`).\n",
                                      encoding="utf-8")
    return home


def tutor(home: Path | None, *args: str, input: str | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real `tutor` CLI: its `main()`, in this process, with standard input, output
    and error of its own (as pipes: no terminal), in `cwd`. Its state reads go to one warm
    helper shared by every call (see `tutor.reader`), never into this process, so each
    call sees each sandbox as a new `tutor` would; `tutor_process` starts a new process for
    tests about the process itself."""
    from tutor.cli import main

    argv = [*args, *(["--home", str(home)] if home is not None else [])]
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr, os.getcwd()
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(input or ""), out, err
    try:
        os.chdir(cwd or REPO)
        try:
            status = main(argv)
        except SystemExit as stop:  # argparse: --help, --version, a bad option
            status = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 2
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved[:3]
        os.chdir(saved[3])
    return subprocess.CompletedProcess(["tutor", *argv], status, out.getvalue(),
                                       err.getvalue())


def tutor_process(home: Path | None, *args: str, input: str | None = None,
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
