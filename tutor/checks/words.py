"""The English the judges speak: numbers that agree with their nouns, values as a learner
reads them, a missing table, a list of differences summed up. Words only: no judge is here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..state import SandboxState


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 row`, `3 rows`: the number and the noun that agrees with it."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def is_are(items: list) -> str:
    """The verb that agrees with a list: "0003 is missing", "0003 and 0004 are missing"."""
    return "is" if len(items) == 1 else "are"


def no_table(state: SandboxState, table: str) -> str:
    """Why a table is not there: no database at all, or no such table in it."""
    if not state.database_exists:
        return f"{state.no_database()}, so no table {table}."
    return f"there is no table {table} in the database."


def article(word: str) -> str:
    """"an IntegerField", "a DecimalField"."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def quoted(value) -> str:
    """A value a lesson wrote, as it wrote it: a string quoted, None as NULL."""
    return repr(value) if isinstance(value, str) else "NULL" if value is None else str(value)


def null_words(null: bool) -> str:
    """What a column's NULL flag says of it."""
    return "allows NULL" if null else "is NOT NULL"


# How many differences a message names before it counts the rest.
DIFFERENCES_SHOWN = 4


def summarised(differences: list[str]) -> str:
    """The first few differences as one sentence, and how many more there are."""
    shown = differences[:DIFFERENCES_SHOWN]
    if len(differences) > DIFFERENCES_SHOWN:
        more = len(differences) - DIFFERENCES_SHOWN
        shown.append(f"and {plural(more, 'more difference')}")
    sentence = "; ".join(shown)
    return sentence[:1].upper() + sentence[1:] + "."


def row_label(key: str, row: dict) -> str:
    """How a message names a row: by its key, and its name where it has one."""
    name = row.get("name")
    return f"{key} {row.get(key)}" + (f" ({name})" if isinstance(name, str) else "")


def shown_value(value) -> str:
    """A value read from a row or a backup, as a learner reads it: None as NULL."""
    return "NULL" if value is None else str(value)
