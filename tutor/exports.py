"""The columns and cells of the tutor's exports, shared by `tutor report`, `tutor
class-report` and the class server's CSV: one definition, so that a class's export and a
folder of collected reports have the same columns, read the same way.
"""

from __future__ import annotations

from .markup import printable

# One step of the export, in order; CSV rows are these with the learner first.
STEP_FIELDS = ["lesson", "step", "title", "current", "passed", "started_at", "passed_at",
               "attempts", "answers", "hints", "solutions", "time_spent_seconds",
               "stuck_for_seconds", "fast_forwarded"]
STEP_COLUMNS = ["learner", *STEP_FIELDS]
# `class-report` without --all-steps: one row per learner, where they are now.
WHERE_COLUMNS = ["learner", "lesson", "step", "title", "steps_passed", "attempts", "hints",
                 "stuck_for_seconds", "exported_at"]


def iso_time(timestamp: int | None) -> str | None:
    from datetime import datetime, timezone

    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    # A spreadsheet runs a cell that starts like a formula: a name is data, never a formula.
    text = "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
    return printable(text)  # and a terminal it is printed on never acts on it


def to_csv(columns: list[str], rows: list[list]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_csv_value(value) for value in row] for row in rows)
    return out.getvalue()
