"""The class server under load, shortened for CI: the benchmark (`tutor.bench.class_load`) run
with 25 learners for 6 seconds against the real server in a process of its own. The full load
(100 learners for 60 seconds) is the benchmark's own run: `python -m tutor.bench.class_load`.

What is asserted holds on a busy machine too: every event the server answered is stored and
counted by the room, no request fails, and the dashboard sees each event well within the
issue's 2 seconds (the dashboard's own pause is 250 ms).
"""

from __future__ import annotations

import pytest

from conftest import ci_servers_job_only

pytest.importorskip("aiohttp", reason="the class server needs aiohttp (pip install '.[class]')")

from tutor.bench import class_load as bench  # noqa: E402

# The class server, its protocol and its load are the same whichever Django a learner's
# tutor has: CI runs them once, in its servers' job, beside its two suites (one per Django).
pytestmark = ci_servers_job_only()


LEARNERS, SECONDS = 25, 6


def test_no_event_lost_and_the_dashboard_sees_each_within_two_seconds():
    figures = bench.run(LEARNERS, SECONDS)
    said = "\n".join(bench.report(figures))
    # Each learner posts exactly one event a second, each after the last was answered.
    assert figures["events_posted"] == LEARNERS * SECONDS, said
    assert figures["failed"] == 0 and figures["failed_reads"] == 0, said
    assert figures["events_accepted"] == LEARNERS * SECONDS, said
    # Stored: counted in the room, and rows in the class's SQLite file after the server stopped.
    assert figures["stored_room"] == figures["stored_file"] == LEARNERS * SECONDS, said
    assert figures["lost"] == 0, said
    assert figures["unseen"] == 0, said
    assert figures["latency_ms"]["p99"] < 2000, said
    assert figures["server_stopped_cleanly"], said
