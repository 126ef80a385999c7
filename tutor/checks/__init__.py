"""Gives a lesson's declared expectations their meaning against a real `SandboxState`.

Each kind of expectation (declared in `course/kinds.py`) has one judge, a function that
returns what it claims (`text`), whether the state meets it, and, when it does not, what the
state actually is (`detail`), in plain words that are true of that state. The judges are
grouped by subject: `migrations.py`, `schema.py`, `data.py`, `files.py`, `releases.py`;
`words.py` is their English, `outcome.py` what they are given and give, and `judging.py`
maps each kind to its judge by name. The names other modules use are re-exported here.
"""

from .data import same_value
from .judging import JUDGES, judge_expectation, observed
from .migrations import find_migrations
from .outcome import Context, Outcome, Finding
from .releases import release_failures, release_name
from .words import plural, row_label, shown_value, summarised

__all__ = ["same_value", "JUDGES", "judge_expectation", "observed", "find_migrations",
           "Context", "Outcome", "Finding", "release_failures", "release_name", "plural",
           "row_label", "shown_value", "summarised"]
