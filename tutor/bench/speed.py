"""The speed benchmark: `python -m tutor.bench [--quick] [--runs N] [--database URL]`.

It builds its own homes and sandboxes in a temporary folder, times each pair of commands
side by side (interleaved, so that a busy machine slows both alike), and prints the median of
each, their ratio, and whether the target ratio is met. Shared machines are noisy: the exit
status is 0 whatever the figures, unless `--strict` is given.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..home_layout import SANDBOX

BENCH_LESSON = "revert-applied"
RELEASE_LESSON = "expand-contract"  # a lesson whose two releases run at every state read
MANY_MIGRATIONS = 200


@dataclass
class Pair:
    """One measure: our command and its reference, timed side by side, with the highest
    ratio of their medians that meets its target."""

    name: str
    ours: Callable[[], None]
    reference: Callable[[], None]
    reference_name: str
    target: float  # the highest acceptable ratio ours / reference
    ours_times: list[float]
    reference_times: list[float]
    # Run untimed after each of ours: what it leaves to the background finishes before the
    # reference is timed (else the reference would be slowed, and the ratio flattered).
    settle: Callable[[], None] | None = None
    # Run untimed before each of ours: the change it is timed on (a database a command wrote).
    prepare: Callable[[], None] | None = None

    @property
    def ratio(self) -> float:
        return statistics.median(self.ours_times) / statistics.median(self.reference_times)

    @property
    def met(self) -> bool:
        return self.ratio <= self.target


def _timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _run(command: list[str], cwd: Path | None = None, env: dict | None = None,
         allowed: tuple[int, ...] = (0,)) -> None:
    completed = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    if completed.returncode not in allowed:
        raise RuntimeError(f"{' '.join(command)} failed: {completed.stderr.decode()[-500:]}")


def _tutor_command() -> list[str]:
    script = Path(sys.executable).with_name("tutor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tutor"]


def _probe_environment(sandbox: Path) -> dict[str, str]:
    from ..reader import probe_environment

    return probe_environment(sandbox)


def _manage_env() -> dict[str, str]:
    return dict(os.environ, DJANGO_SETTINGS_MODULE="shop.settings", PYTHONDONTWRITEBYTECODE="1")


def build_pairs(work: Path, quick: bool) -> list[Pair]:
    from ..lessons import load_course
    from ..workspace import Workspace

    tutor = _tutor_command()
    python = sys.executable
    home = work / "home"
    _run(tutor + ["reset", BENCH_LESSON, "--home", str(home)])
    sandbox = home / SANDBOX
    lesson = load_course().get(BENCH_LESSON)

    # A copy of the lesson's sandbox with no database: what a plain `migrate` starts from.
    empty = work / "empty-database"

    def plain_migrate() -> None:
        shutil.rmtree(empty, ignore_errors=True)
        shutil.copytree(sandbox, empty, ignore=shutil.ignore_patterns("db.sqlite3"))
        _run([python, "manage.py", "migrate", "store", lesson.start.applied], cwd=empty,
             env=_manage_env())

    # A warm check, as inside `tutor start`: a long-lived workspace whose reads are warm.
    workspace = Workspace(work / "warm-home")
    workspace.reset(lesson)
    workspace.check()  # the one read this process may do by itself
    released = Workspace(work / "release-home")
    released.reset(load_course().get(RELEASE_LESSON))

    many = _many_migrations_sandbox(work, MANY_MIGRATIONS if not quick else MANY_MIGRATIONS)
    showmigrations = [python, "manage.py", "showmigrations"]
    return [
        Pair("tutor --help", lambda: _run(tutor + ["--help"]),
             lambda: _run([python, "-c", "import rich"]), 'python -c "import rich"', 1.5, [], []),
        Pair("tutor lessons", lambda: _run(tutor + ["lessons", "--home", str(home)]),
             lambda: _run([python, "-c", "import rich.console, rich.table"]),
             'python -c "import rich.console, rich.table"', 1.2, [], []),
        Pair("tutor check (one-shot)",
             # `tutor check` exits 1: the step is not done yet, which is what is timed.
             lambda: _run(tutor + ["check", "--home", str(home)], allowed=(0, 1)),
             lambda: _run(showmigrations, cwd=sandbox, env=_manage_env()),
             "manage.py showmigrations", 1.2, [], []),
        Pair("check inside tutor start (warm)", workspace.check,
             lambda: _run(showmigrations, cwd=workspace.sandbox.path, env=_manage_env()),
             "manage.py showmigrations", 0.25, [], []),
        Pair("warm check, 2 releases running", released.check,
             lambda: _run(showmigrations, cwd=released.sandbox.path, env=_manage_env()),
             "manage.py showmigrations", 0.4, [], []),
        Pair("tutor reset (snapshot)",
             lambda: _run(tutor + ["reset", BENCH_LESSON, "--home", str(home)]),
             plain_migrate, "manage.py migrate from an empty database", 0.3, [], []),
        *_undo_pairs(work, lesson, plain_migrate, showmigrations),
        Pair(f"state read, {MANY_MIGRATIONS} migrations",
             lambda: _run([python, "-m", "tutor.probe", str(many)], cwd=many,
                          env=_probe_environment(many)),
             lambda: _run(showmigrations, cwd=many, env=_manage_env()),
             "manage.py showmigrations", 1.5, [], []),
    ]


def _undo_pairs(work: Path, lesson, plain_migrate, showmigrations) -> list[Pair]:
    """The timeline of issue 16, inside `tutor start`: the snapshot taken before a command,
    after one wrote the database (the point it can be undone to), and undoing one command
    (restoring the sandbox; the check that follows is any command's)."""
    import sqlite3
    from contextlib import closing

    from ..restores import undo_points  # the restore alone, without the check after it
    from ..workspace import Workspace

    workspace = Workspace(work / "undo-home")
    workspace.reset(lesson)
    database = workspace.sandbox.path / "db.sqlite3"

    def write_the_database() -> None:  # what a command does: the file's content changes
        with closing(sqlite3.connect(database)) as connection:
            connection.execute("INSERT INTO store_product (name, price) VALUES ('b', 1)")
            connection.commit()

    def command_to_undo() -> None:
        workspace.remember_before_command()
        write_the_database()
        workspace.remember_before_command()

    return [
        Pair("snapshot before a command", workspace.remember_before_command,
             lambda: _run(showmigrations, cwd=workspace.sandbox.path, env=_manage_env()),
             "manage.py showmigrations", 0.1, [], [], prepare=write_the_database),
        Pair("undo one command (the restore)", lambda: undo_points(workspace, 1),
             plain_migrate, "manage.py migrate from an empty database", 0.3, [], [],
             prepare=command_to_undo),
    ]


def _server_reset_pair(work: Path, url: str, cleanups: list) -> Pair:
    """`tutor reset` (from the kept template) on a server, against a plain `migrate` of the
    same state into an empty database on that server."""
    from ..backends import parse
    from ..lessons import load_course
    from ..sandbox import declare_server
    from ..server_databases import OwnedDatabases
    from ..spare_database import drop_home, wait_for_worker

    tutor = _tutor_command()
    home = work / f"server-home-{len(cleanups)}"
    _run(tutor + ["reset", BENCH_LESSON, "--home", str(home), "--database", url])
    server = parse(url)
    owned = OwnedDatabases.on(server, home)
    cleanups.append(lambda: drop_home(server, home))
    lesson = load_course().get(BENCH_LESSON)
    empty = work / f"server-migrate-{len(cleanups)}"
    shutil.copytree(home / SANDBOX, empty)
    declare_server(empty, server, owned.name("bench"))

    def plain_migrate() -> None:
        owned.create(owned.name("bench"), 1)
        _run([sys.executable, "manage.py", "migrate", "store", lesson.start.applied],
             cwd=empty, env=_manage_env())

    return Pair(f"tutor reset (snapshot), {server.vendor}",
                lambda: _run(tutor + ["reset", BENCH_LESSON, "--home", str(home)]),
                plain_migrate, f"manage.py migrate, empty {server.vendor} database", 0.3, [], [],
                settle=lambda: wait_for_worker(home))


def _many_migrations_sandbox(work: Path, count: int) -> Path:
    """A sandbox whose `store` has `count` real migrations, all applied: each adds a field."""
    from ..paths import resource_dir

    folder = work / f"many-{count}"
    shutil.copytree(resource_dir("sandbox_project"), folder,
                    ignore=shutil.ignore_patterns("__pycache__", "db.sqlite3"))
    migrations = folder / "store" / "migrations"
    fields, previous = [], ""
    for number in range(1, count + 1):
        name = "0001_initial" if number == 1 else f"{number:04d}_add_field_{number}"
        if number == 1:
            operation = ("migrations.CreateModel(name='Product', fields=[('id', "
                         "models.BigAutoField(auto_created=True, primary_key=True, "
                         "serialize=False, verbose_name='ID')), ('name', "
                         "models.CharField(max_length=100))])")
            depends = ""
        else:
            operation = (f"migrations.AddField(model_name='product', name='field_{number}', "
                         "field=models.IntegerField(null=True))")
            depends = f"('store', '{previous}')"
            fields.append(f"    field_{number} = models.IntegerField(null=True)")
        (migrations / f"{name}.py").write_text(
            "from django.db import migrations, models\n\n\n"
            "class Migration(migrations.Migration):\n"
            f"    initial = {number == 1}\n"
            f"    dependencies = [{depends}]\n"
            f"    operations = [{operation}]\n", encoding="utf-8")
        previous = name
    (folder / "store" / "models.py").write_text(
        "from django.db import models\n\n\nclass Product(models.Model):\n"
        "    name = models.CharField(max_length=100)\n" + "\n".join(fields) + "\n",
        encoding="utf-8")
    _run([sys.executable, "manage.py", "migrate"], cwd=folder, env=_manage_env())
    return folder


def measure(pairs: list[Pair], runs: int) -> None:
    for pair in pairs:  # one untimed round: caches, bytecode, the warm reader
        if pair.prepare is not None:
            pair.prepare()
        pair.ours()
        _settle(pair)
        pair.reference()
    for _ in range(runs):
        for pair in pairs:
            if pair.prepare is not None:
                pair.prepare()
            pair.ours_times.append(_timed(pair.ours))
            _settle(pair)
            pair.reference_times.append(_timed(pair.reference))


def _settle(pair: Pair) -> None:
    if pair.settle is not None:
        pair.settle()


def report(pairs: list[Pair], runs: int) -> str:
    lines = [f"migration tutor benchmark: medians of {runs} interleaved runs, "
             f"Python {sys.version.split()[0]}, Django {_django_version()}",
             f"{'measure':<34} {'ours':>8} {'reference':>10} {'ratio':>6} {'target':>7}  "
             "result  reference"]
    for pair in pairs:
        lines.append(
            f"{pair.name:<34} {statistics.median(pair.ours_times) * 1000:>6.0f}ms "
            f"{statistics.median(pair.reference_times) * 1000:>8.0f}ms {pair.ratio:>6.2f} "
            f"{'<=' + format(pair.target, '.2f'):>7}  {'met' if pair.met else 'MISSED':<6}  "
            f"{pair.reference_name}")
    met = sum(pair.met for pair in pairs)
    lines.append(f"{met} of {len(pairs)} targets met")
    return "\n".join(lines)


def _django_version() -> str:
    import django

    return django.get_version()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tutor.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 15 (for CI)")
    parser.add_argument("--runs", type=int, help="how many interleaved runs")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--only", metavar="TEXT",
                        help="time only the measures whose name contains TEXT")
    parser.add_argument("--database", metavar="URL", action="append",
                        help="also time a reset whose sandbox database is on that server "
                             "(PostgreSQL or MariaDB), against a migrate there (give it "
                             "once for each server)")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 15)
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as folder:
        work = Path(folder)
        pairs = build_pairs(work, args.quick)
        cleanups = []
        for url in args.database or ():
            pairs.append(_server_reset_pair(work, url, cleanups))
        if args.only:
            pairs = [pair for pair in pairs if args.only in pair.name]
        try:
            measure(pairs, runs)
        finally:
            for closer in [getattr(p.ours, "__self__", None) for p in pairs]:
                if closer is not None and hasattr(closer, "sandbox"):
                    closer.sandbox.reader.close()
            for cleanup in cleanups:
                cleanup()
    print(report(pairs, runs))
    return 1 if args.strict and not all(pair.met for pair in pairs) else 0


if __name__ == "__main__":
    sys.exit(main())
