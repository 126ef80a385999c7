"""Run after the other class tests (by name): no class server or sender they started
outlives them (issue 27, point 13). Their homes are all under this session's temporary
folder, which each such process names in its command line."""

from __future__ import annotations

import time

from class_server import sender_processes


# A sender gives up this long after its server went (tutor.classroom.sender.GONE_SECONDS),
# and a server is stopped by its test: what is left after this is a leak.
WITHIN_SECONDS = 45


def test_after_the_class_tests_no_process_they_started_survives(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    deadline = time.monotonic() + WITHIN_SECONDS
    while True:
        left = sender_processes(base)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert left == [], "\n".join(left)
