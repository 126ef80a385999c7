"""The class server's load benchmark: `python -m tutor.bench.class_load [--learners 100]
[--seconds 60] [--db FILE_OR_POSTGRESQL_URL] [--json]`.

It starts the real server (`tutor class serve`, a process of its own in a temporary home),
joins simulated learners to it and has each post one event a second, as a tutor in a busy
room would, while a watcher reads the room the way the dashboard does (a long poll, then a
250 ms pause). It reports how many events the server took each second, whether any it
answered was not stored (the room's counts, and the rows in its SQLite file), how long an
event took to show on the dashboard, and how much of one core the server used.

Everything runs on this machine, so the learners and the watcher share its cores with the
server: the figures are an upper bound on what a laptop serving a real room spends. Shared
machines are noisy: the exit status is 0 whatever the figures, unless the server cannot be
started or a learner cannot join.

`run()` returns the same figures as a dict (tests/test_class_load.py runs a short load).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .class_crowd import Learner, load
from .class_server import BenchError, children_cpu, start_server, stop_server, stored_rows


def percentile(ordered: list[float], share: float) -> float | None:
    """The nearest-rank percentile of an ascending list: `share` of the values are at most it."""
    if not ordered:
        return None
    return ordered[max(1, math.ceil(len(ordered) * share)) - 1]


def run(learners: int = 100, seconds: int = 60, db: str | None = None) -> dict:
    """Serve a class to `learners` simulated learners posting an event a second for
    `seconds`; the figures (see `report`)."""
    if learners < 1 or seconds < 1:
        raise ValueError("learners and seconds must be at least 1")
    folder = Path(tempfile.mkdtemp(prefix="tutor-class-bench-"))
    server = None
    try:
        server = start_server(folder, db)
        crowd = [Learner(index, secrets.token_urlsafe(32)) for index in range(learners)]
        server_started = time.monotonic()
        children_before = children_cpu()
        measured = asyncio.run(load(server, crowd, seconds))
        stop_server(server.process)
        server_lifetime = time.monotonic() - server_started
        children_after = children_cpu()
        stopped_cleanly = server.process.returncode == 0
        file_rows = None
        if server.database is not None:
            file_rows = stored_rows(server.database, [learner.id for learner in crowd])
    finally:
        if server is not None:
            stop_server(server.process)
        shutil.rmtree(folder, ignore_errors=True)

    window = measured["ended"] - measured["began"]
    if measured["server_cpu"] is not None:
        server_cpu, cpu_over, cpu_scope = measured["server_cpu"], window, "load"
    elif children_before is not None and children_after is not None:
        # No /proc: what the server used from its start to its end, known once it has ended.
        server_cpu = children_after - children_before
        cpu_over, cpu_scope = server_lifetime, "whole server run"
    else:
        server_cpu, cpu_over, cpu_scope = None, 0.0, "unknown"
    figures = _figures(learners, seconds, db, crowd, measured, file_rows)
    figures.update({
        "server_cpu_seconds": None if server_cpu is None else round(server_cpu, 2),
        "server_cpu_percent": (round(100 * server_cpu / cpu_over, 1)
                               if server_cpu is not None and cpu_over > 0 else None),
        "server_cpu_over": cpu_scope,
        "bench_cpu_percent": (round(100 * measured["client_cpu"] / window, 1) if window > 0
                              else None),
        "server_stopped_cleanly": stopped_cleanly,
    })
    return figures


def _figures(learners: int, seconds: int, db: str | None, crowd: list[Learner],
             measured: dict, file_rows: int | None) -> dict:
    """What the crowd and the watcher saw: events taken, lost, unseen, and how late."""
    window = measured["ended"] - measured["began"]
    mine = {learner.id: learner for learner in crowd}
    stored_room = sum(row["events"] for row in measured["final_room"]["learners"]
                      if row["id"] in mine)
    accepted = sum(learner.accepted for learner in crowd)
    # An event is lost when either the room or the file lacks it.
    stored = stored_room if file_rows is None else min(stored_room, file_rows)
    latencies, unseen = _latencies(crowd, measured["watch_ended"])

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {
        "learners": learners, "seconds": seconds, "db": _shown(db),
        "events_posted": sum(learner.posted for learner in crowd),
        "events_accepted": accepted,
        "load_seconds": round(window, 2),
        "events_per_second": round(accepted / window, 1) if window > 0 else None,
        "failed": sum(learner.failed for learner in crowd),
        "failed_reads": measured["failed_reads"],
        "stored_room": stored_room, "stored_file": file_rows,
        "lost": accepted - stored,
        "unseen": unseen,
        "dashboard_reads": measured["reads"],
        "latency_ms": {"p50": ms(percentile(latencies, 0.50)),
                       "p90": ms(percentile(latencies, 0.90)),
                       "p99": ms(percentile(latencies, 0.99)),
                       "max": ms(latencies[-1] if latencies else None)},
    }


def _latencies(crowd: list[Learner], watch_ended: float) -> tuple[list[float], int]:
    """How long each answered event took to show on the dashboard, ascending, and how many
    never showed while the watcher watched (each counted as late as the watching went on)."""
    latencies, unseen = [], 0
    for learner in crowd:
        # The learner's nth answered event is the one that makes its count n (each post
        # waits for the last one's answer).
        for ordinal, sent in enumerate(learner.sent):
            if ordinal < len(learner.seen) and learner.seen[ordinal] <= watch_ended:
                latencies.append(learner.seen[ordinal] - sent)
            else:
                unseen += 1
                latencies.append(watch_ended - sent)
    latencies.sort()
    return latencies, unseen


def _shown(db: str | None) -> str:
    """Where the class was kept, without a password in a URL (the report may be pasted)."""
    if db is None:
        return "SQLite, in a temporary home"
    return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:***@", db)


def report(figures: dict) -> list[str]:
    """The figures as the lines the benchmark prints."""
    latency = figures["latency_ms"]
    stored_file = ("" if figures["stored_file"] is None
                   else f", {figures['stored_file']} rows in its file")
    return [
        f"Class server load: {figures['learners']} learners, one event a second each for "
        f"{figures['seconds']} s ({figures['db']}).",
        f"  events posted     {figures['events_posted']} ({figures['events_accepted']} "
        f"answered 200) in {figures['load_seconds']} s: {figures['events_per_second']} "
        "events/s",
        f"  failed requests   {figures['failed']} posts, {figures['failed_reads']} room reads",
        f"  lost              {figures['lost']} (the room counts {figures['stored_room']}"
        f"{stored_file})",
        f"  dashboard latency p50 {latency['p50']} ms, p90 {latency['p90']} ms, "
        f"p99 {latency['p99']} ms, max {latency['max']} ms "
        f"({figures['dashboard_reads']} reads, {figures['unseen']} events unseen)",
        f"  server CPU        {figures['server_cpu_seconds']} s, "
        f"{figures['server_cpu_percent']}% of one core (over the {figures['server_cpu_over']}"
        f"; this benchmark's own: {figures['bench_cpu_percent']}%)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tutor.bench.class_load",
                                     description=__doc__.split("\n\n")[1])
    parser.add_argument("--learners", type=int, default=100,
                        help="simulated learners (default: 100)")
    parser.add_argument("--seconds", type=int, default=60,
                        help="how long each posts an event a second (default: 60)")
    parser.add_argument("--db", metavar="FILE_OR_URL",
                        help="where the server keeps the class: a SQLite file or a "
                             "postgresql:// URL (default: a SQLite file in a temporary home)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.learners < 1 or args.seconds < 1:
        parser.error("--learners and --seconds must be at least 1")
    try:
        figures = run(args.learners, args.seconds, args.db)
    except BenchError as error:
        print(f"The benchmark could not run: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print("\n".join(report(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
