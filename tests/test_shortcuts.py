"""Shortcuts past a real revert, in every step whose goal is one.

Three ways to make django_migrations say "unapplied" without undoing anything: `migrate
--fake`, deleting the rows by hand, and migrating back after emptying the migrations'
`operations` (Django then unapplies nothing and still deletes the rows). Each leaves the
change in the database, each is rejected, and the learner reads that step's own explanation
of the shortcut. The state is changed only the way a learner would change it.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from typing import Callable

import pytest
from conftest import run_ok

from tutor.workspace import Workspace

# --- what each shortcut leaves behind, as `tutor status --json` shows it ----------------------


def _column(table: str, column: str) -> Callable[[dict], bool]:
    """The column is still in the table."""
    return lambda status: column in {c["name"] for c in status["tables"].get(table, [])}


def _nullable(table: str, column: str) -> Callable[[dict], bool]:
    """The column still allows NULL."""
    return lambda status: any(c["name"] == column and c["null"]
                              for c in status["tables"].get(table, []))


def _table(table: str) -> Callable[[dict], bool]:
    return lambda status: table in status["tables"]


def _prices(*prices: float) -> Callable[[dict], bool]:
    return lambda status: [float(row["price"]) for row in status["rows"]["store_product"]] \
        == list(prices)


@dataclass(frozen=True)
class Revert:
    """A step that needs a real revert, and what its check says to the shortcuts."""

    lesson: str
    step: int                         # 0-based index of the step
    reverted: tuple[str, ...]         # applied when the step begins; its solution unapplies them
    target: str                       # the target of the step's `migrate store TARGET`
    explain: str                      # a phrase of the step's own explanation of the shortcut
    left: tuple[Callable[[dict], bool], ...]  # the change the shortcut leaves in the database
    emptied_explain: str = ""         # if the emptied-operations case meets another explanation
    answer: tuple[str, ...] = ()      # a question step: the right answer in the shortcut's state

    def __str__(self) -> str:
        return f"{self.lesson}-step{self.step + 1}"


STORE_0003 = ("0003_change_price_field",)
REVERTS = [
    Revert("revert-applied", 0, STORE_0003, "0002",
           "If django_migrations no longer lists 0003 while price still allows NULL, 0003's "
           "row went and its change stayed",
           (_nullable("store_product", "price"),)),
    Revert("revert-several", 1, ("0004_add_discount_field", "0003_change_price_field"), "0002",
           "django_migrations no longer lists 0004, but its `discount` column is still in the "
           "table: its row went without the undo (and 0003's with it, if price still allows "
           "NULL). `--fake` changes django_migrations without running the undo",
           (_column("store_product", "discount"), _nullable("store_product", "price"))),
    # Emptied, the four files no longer describe store_product at all, so the record and the
    # schema they describe agree (nothing): models_match_migrations catches that case.
    Revert("revert-to-zero", 1, ("0004_add_discount_field", "0003_change_price_field",
                                 "0002_add_price_to_product", "0001_initial"), "zero",
           "If the records are gone while the table is still there, `--fake` deleted the records "
           "without running the undo, or they were deleted from django_migrations by hand",
           (_table("store_product"),),
           emptied_explain="If you emptied their `operations`, `migrate store zero` unapplied "
                           "them without dropping anything, and the table is still there"),
    Revert("data-loss-on-revert", 1, ("0002_add_price_to_product",), "0001",
           "If django_migrations no longer lists 0002 while price is still in the table, 0002's "
           "row went and its column stayed",
           (_column("store_product", "price"),), answer=("id", "name", "price")),
    # This explanation predates the shortcut tests, and test_lesson_migration_names.py pins its
    # whole text; its way back holds for all three shortcuts once emptied operations are restored.
    Revert("migration-names", 2, STORE_0003, "0002_add_price_to_product",
           "the row went without the undo (`--fake` does that). `tutor undo` takes the "
           "sandbox back to the last point the tutor saw",
           (_nullable("store_product", "price"),)),
    Revert("revert-blocked-by-data", 2, STORE_0003, "0002",
           "`migrate --fake` changes the record only, and so do deleting 0003's row by hand and "
           "migrating back after emptying 0003's `operations`",
           (_nullable("store_product", "price"),)),
    Revert("squashed-migrations", 1, ("0004_add_discount_field", "0003_change_price_field"),
           "0002",
           "django_migrations no longer lists the replaced 0004 while discount is still in the "
           "table: its row went without the undo",
           (_column("store_product", "discount"), _nullable("store_product", "price"))),
    Revert("merge-migrations", 2, ("0005_merge_discount_stock", "0004_add_discount_field",
                                   "0004_add_stock_to_product"), "0003",
           "the rows of both branches went without the undo",
           (_column("store_product", "discount"), _column("store_product", "stock")),
           answer=("0001", "0002", "0003")),
    # "Unapply 0004 for real": this step of fake-the-record is no place for --fake.
    Revert("fake-the-record", 2, ("0004_add_discount_field",), "0003",
           "you are back where this lesson started: 0004's row went and its column stayed",
           (_column("store_product", "discount"),)),
    # A data migration changes no table, so the schema cannot tell; the prices can.
    Revert("irreversible-migration", 1, ("0003_raise_prices",), "0002",
           "The rows must get the price rise undone",
           (_prices(10.99, 5.50, 15.50),)),
]


@pytest.fixture
def at_step(step_home):
    """A private home at the start of the case's step, reached by the reference solution
    (built once per session, see conftest's step homes)."""
    return lambda case: step_home(case.lesson, case.step + 1)


def _rejected(home, case: Revert, explain: str, reader) -> None:
    """The shortcut really happened, the change stayed, and the step says why it is no revert."""
    status = reader.read(home / "sandbox").to_json()
    applied = {m["name"]: m["applied"] for m in status["migrations"] if m["app"] == "store"}
    assert not any(applied[name] for name in case.reverted), applied
    assert all(left(status) for left in case.left), status["tables"]
    workspace = Workspace(home, reader=reader)
    if case.answer:
        answer = workspace.answer(list(case.answer))
        if answer.check is None:
            # A question about the state once the step's goal holds: the shortcut did not
            # reach it, so there is nothing to answer about yet (and no attempt is counted).
            assert "First do what this step asks" in answer.detail, answer.detail
            report = workspace.check()
        else:
            # Answered right from the live state: only the shortcut is wrong.
            assert answer.right, answer.detail
            report = answer.check
    else:
        report = workspace.check()
    assert report.step_index == case.step and not report.passed
    assert explain in " ".join(o.detail for o in report.result.unmet)


@pytest.mark.parametrize("case", REVERTS, ids=str)
def test_faking_the_revert_is_rejected(case, at_step, warm_reader):
    home = at_step(case)
    result = run_ok(home, "migrate", "store", case.target, "--fake")
    for name in case.reverted:
        assert f"Unapplying store.{name}... FAKED" in result.stdout
    _rejected(home, case, case.explain, warm_reader)


@pytest.mark.parametrize("case", REVERTS, ids=str)
def test_deleting_the_rows_by_hand_is_rejected(case, at_step, warm_reader):
    home = at_step(case)
    marks = ",".join("?" * len(case.reverted))
    with closing(sqlite3.connect(home / "sandbox" / "db.sqlite3")) as connection:
        with connection:
            deleted = connection.execute(
                f"DELETE FROM django_migrations WHERE app = 'store' AND name IN ({marks})",
                case.reverted).rowcount
    assert deleted == len(case.reverted)
    _rejected(home, case, case.explain, warm_reader)


OPERATIONS = re.compile(r"^    operations = \[\n.*?^    \]$", re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("case", REVERTS, ids=str)
def test_emptying_the_operations_then_reverting_is_rejected(case, at_step, warm_reader):
    home = at_step(case)
    for name in case.reverted:
        path = home / "sandbox" / "store" / "migrations" / f"{name}.py"
        text = path.read_text(encoding="utf-8")
        emptied, count = OPERATIONS.subn("    operations = []", text)
        assert count == 1, text
        path.write_text(emptied, encoding="utf-8")
    # Nothing to undo, so nothing fails: Django only deletes the rows.
    result = run_ok(home, "migrate", "store", case.target)
    for name in case.reverted:
        assert f"Unapplying store.{name}... OK" in result.stdout
    _rejected(home, case, case.emptied_explain or case.explain, warm_reader)
