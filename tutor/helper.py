"""The warm helper: a Python that has imported Django but never set it up, and forks a fresh
child for every request, so that each child is as new as a `python` started for it, less the
time it takes to import Python's and Django's modules.

`python -m tutor.helper` reads one JSON request per line on standard input and writes one
JSON answer per line: {"sandbox": PATH, "fresh_build": BOOL} reads a state (see `probe/`),
{"sandbox": PATH, "manage": [ARGS]} runs `python manage.py ARGS` there. It ends when its
standard input does (the tutor that started it has ended). `reader.StateReader` is its client.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from . import release
from .probe import probe
from .state import SETTINGS_MODULE, StateUnreadable


def serve() -> int:
    """Import Django once, then answer each request in a forked child that sets Django up for
    itself, so that it sees the sandbox as it is now, exactly as a new `python` would."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.dont_write_bytecode = True
    _follow_the_tutor()
    _import_django_without_setting_it_up()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            sandbox = Path(request["sandbox"]).resolve()
        except (ValueError, KeyError, TypeError):
            request, sandbox = {}, Path(line.strip()).resolve()
        if isinstance(request.get("manage"), list):
            answer = _manage_in_child(sandbox, [str(a) for a in request["manage"]])
        else:
            releases = request.get("releases")
            answer = _state_in_child(sandbox, bool(request.get("fresh_build")),
                                     releases if isinstance(releases, list) else [])
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()
        _warm_the_server_backend(sandbox)
    return 0


SERVER_BACKENDS = {  # a Django engine, and its modules a child would import for itself
    "django.db.backends.postgresql": (
        "django.db.backends.postgresql.base", "django.db.backends.postgresql.introspection",
        "django.db.backends.postgresql.schema", "django.db.backends.postgresql.operations",
        "django.db.backends.postgresql.features", "django.db.backends.postgresql.creation",
        "django.db.backends.postgresql.client"),
    "django.db.backends.mysql": (
        "django.db.backends.mysql.base", "django.db.backends.mysql.introspection",
        "django.db.backends.mysql.schema", "django.db.backends.mysql.operations",
        "django.db.backends.mysql.features", "django.db.backends.mysql.creation",
        "django.db.backends.mysql.client"),
}
_warmed: set[str] = set()


def _warm_the_server_backend(sandbox: Path) -> None:
    """Once a sandbox on a server was served, import its backend and driver here too, so that
    each later child finds them imported, as it finds SQLite's (psycopg alone takes a child a
    quarter of a second to import). Only what a new `python` would import the same way."""
    import importlib
    import importlib.util

    try:
        settings = (sandbox / "shop" / "settings.py").read_text(encoding="utf-8")
    except OSError:
        return
    for engine, modules in SERVER_BACKENDS.items():
        if engine in _warmed or f"'ENGINE': '{engine}'" not in settings:
            continue
        _warmed.add(engine)
        try:
            if engine.endswith(".mysql") and importlib.util.find_spec("MySQLdb") is None:
                import pymysql  # what the sandbox's settings do where mysqlclient is missing

                pymysql.install_as_MySQLdb()
            for module in modules:
                importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a child imports (and reports) it for itself
            pass


def _follow_the_tutor() -> None:
    """End with the tutor that started this helper, also when it was killed (a SIGKILL gives
    it no chance to say so): a command run here must not go on writing into a sandbox that
    the next tutor is cleaning up. The helper leads a process group of its own, so its
    children go with it."""
    import signal
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.1)
        os.killpg(os.getpgid(0), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()


def _state_in_child(sandbox: Path, fresh_build: bool, releases: list) -> str:
    """The state, read in a forked child, while each of the lesson's releases runs in a child
    of its own (see `release.py`); their answers join the state's."""
    releases = [request for request in releases if isinstance(request, dict)]
    running = [_in_child(sandbox, lambda request=request: release.run(request), on_path=False)
               for request in releases]
    answer = _in_child(sandbox, lambda: probe(sandbox, fresh_build))()
    runs = [(request, finish()) for request, finish in zip(releases, running)]
    if not answer:
        return json.dumps({"ok": False, "error": StateUnreadable(
            "The state reader stopped without an answer.").to_json()})
    result = json.loads(answer)
    if result.get("ok") and runs:
        result["state"]["releases"] = {}
        for request, output in runs:
            run = release.answer_from(request, output)
            result["state"]["releases"][run["name"]] = run
    return json.dumps(result)


def _in_child(sandbox: Path, work, on_path: bool = True):
    """Start `work` in a forked child, in the sandbox (on sys.path too, unless `on_path` is
    false: a release imports its own models, never the sandbox's); returns a function that
    waits for it and gives its answer as JSON ("" if it died without one)."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read_end)
        os.dup2(2, 1)  # whatever the learner's code prints stays out of the answer
        try:
            os.chdir(sandbox)
            if on_path:
                sys.path.insert(0, str(sandbox))
            answer = json.dumps(work())
        except BaseException as error:  # noqa: BLE001
            answer = json.dumps({"ok": False, "error": StateUnreadable(
                f"The sandbox could not be read: {error}").to_json()})
        with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
            pipe.write(answer)
        os._exit(0)
    os.close(write_end)

    def finish() -> str:
        with os.fdopen(read_end, encoding="utf-8") as pipe:
            answer = pipe.read()
        os.waitpid(child, 0)
        return answer

    return finish


def _manage_in_child(sandbox: Path, args: list[str]) -> str:
    """`python manage.py ARGS` in the sandbox, in a forked child that is, but for the time
    it saves importing Python and Django, a new `python`: its own sys.argv, working folder
    and sys.path[0], no bytecode, standard input empty, output captured as a subprocess's.
    The answer: {"status": N, "stdout": ..., "stderr": ...}."""
    import signal
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tutor-manage-") as folder:
        out_path, err_path = Path(folder) / "out", Path(folder) / "err"
        child = os.fork()
        if child == 0:
            status = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C stops a command
                for fd, path, mode in ((0, os.devnull, os.O_RDONLY),
                                       (1, out_path, os.O_WRONLY | os.O_CREAT),
                                       (2, err_path, os.O_WRONLY | os.O_CREAT)):
                    os.dup2(os.open(path, mode, 0o600), fd)
                sys.stdin = open(0, encoding="utf-8", closefd=False)
                sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
                sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
                os.chdir(sandbox)
                # As `python manage.py` has it: the script's folder first, and nothing of
                # the tutor's own PYTHONPATH (the tutor itself is imported already).
                own = os.environ.pop("PYTHONPATH", "")
                if _is_site_folder(own):  # an installed tutor: there live Django and the rest
                    own = ""
                sys.path[:] = [str(sandbox)] + [p for p in sys.path if p and p != own]
                sys.argv = ["manage.py", *args]
                os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
                import runpy

                try:
                    runpy.run_path("manage.py", run_name="__main__")
                    status = 0
                except SystemExit as stop:
                    code = stop.code
                    status = code if isinstance(code, int) else (0 if code is None else 1)
                    if code is not None and not isinstance(code, int):
                        print(code, file=sys.stderr)
            except BaseException:  # noqa: BLE001 - as Python prints an uncaught error
                import traceback

                traceback.print_exc()
                status = 1
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(status)
        _, wait_status = os.waitpid(child, 0)
        status = os.waitstatus_to_exitcode(wait_status)
        return json.dumps({"status": status,
                           "stdout": out_path.read_text(encoding="utf-8", errors="replace"),
                           "stderr": err_path.read_text(encoding="utf-8", errors="replace")})


def _is_site_folder(folder: str) -> bool:
    """Whether `folder` is one of this Python's site-packages: where a tutor installed without
    `-e` lives, beside Django and the database drivers, which a command must still find."""
    import site

    if not folder:
        return False
    real = os.path.realpath(folder)
    return any(os.path.realpath(path) == real for path in site.getsitepackages())


def _import_django_without_setting_it_up() -> None:
    """What every read needs and nothing of the sandbox's own: settings, models and
    migrations are imported only in the forked child, so they are always fresh."""
    import importlib

    for module in (
        "django", "django.apps", "django.conf", "django.db", "django.db.models",
        "django.db.migrations", "django.db.migrations.loader",
        "django.db.migrations.recorder", "django.db.migrations.autodetector",
        "django.db.migrations.questioner", "django.db.migrations.state",
        "django.db.migrations.graph", "django.db.migrations.exceptions",
        "django.db.backends.sqlite3.base", "django.db.backends.sqlite3.introspection",
        "django.db.backends.sqlite3.schema", "django.db.backends.sqlite3.operations",
        "django.db.backends.sqlite3.features", "django.db.backends.sqlite3.creation",
        "django.db.backends.sqlite3.client", "django.core.checks", "django.urls",
        "django.utils.log", "logging.config", "traceback", "inspect",
        # What `manage.py` commands need, for the commands run warm.
        "django.core.management", "django.core.management.base",
        "django.core.management.commands.migrate",
        "django.core.management.commands.makemigrations",
        "django.core.management.commands.showmigrations",
        "django.core.management.commands.sqlmigrate",
        "django.core.management.commands.squashmigrations",
        "django.core.management.commands.loaddata",
        "django.core.management.commands.dumpdata",
        "django.core.management.commands.shell", "django.core.serializers.json", "runpy",
    ):
        try:
            importlib.import_module(module)
        except ImportError:
            pass


if __name__ == "__main__":
    sys.exit(serve())
