"""The rule that passes steps, and the expectation kinds, judged in memory: a lesson file of
our own and states made by hand (as `SandboxState.from_json` would make them), no sandbox.

The end-to-end cases (real commands, real databases) are the learner paths in tests/paths/.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import pytest

from tutor.checks import Context, find_migrations, judge_expectation
from tutor.judge import judge_lesson, posed_question, question_state
from tutor.lessons import Expectation, MigrationSelector, load_lesson
from tutor.lint import unobservable_explains
from tutor.seen import StepStates
from tutor.state import Column, FreshBuild, Migration, SandboxState

START = """
format = 1
id = "{id}"
title = "A lesson of the judge's own"
summary = "s"
intro = "i"

[start]
migrations = ["0001_initial", "0002_add_price_to_product"]
applied = "0002_add_price_to_product"
"""


def lesson(tmp_path: Path, body: str, lesson_id: str = "judged"):
    folder = tmp_path / "lessons"
    folder.mkdir(exist_ok=True)
    path = folder / f"{lesson_id}.toml"
    path.write_text(START.format(id=lesson_id) + textwrap.dedent(body), encoding="utf-8")
    return load_lesson(path)


def state(applied=("0001_initial", "0002_add_price_to_product"), *, files=None, rows=None,
          columns=("id", "name", "price"), mark=7, fresh=None, database=True) -> SandboxState:
    files = files or {"0001_initial": ("Create model Product",),
                      "0002_add_price_to_product": ("Add field price to product",)}
    names = sorted(set(files) | set(applied))
    previous: dict[str, str] = {}
    migrations = []
    for name in names:
        depends = (f"store.{previous['last']}",) if previous.get("last") and name in files else ()
        migrations.append(Migration("store", name, name in files, name in applied,
                                    depends_on=depends, operations=files.get(name, ()),
                                    initial=name.startswith("0001")))
        if name in files:
            previous["last"] = name
    rows = [{"id": 1, "name": "Mug", "price": 9.99}, {"id": 2, "name": "Pot", "price": 12}] \
        if rows is None else rows
    tables = {"store_product": [Column(c, "integer", False) for c in columns]} if database else {}
    return SandboxState(
        migrations=migrations, tables=tables,
        row_counts={"store_product": len(rows)} if database else {},
        rows={"store_product": [{c: r[c] for c in columns if c in r} for r in rows]}
        if database else {},
        schema_drift={"store": []}, pending_changes={"store": []},
        database_exists=database, database_mark=mark if database else None, fresh_build=fresh,
        file_models={"store.product": {"table": "store_product", "fields": {
            "id": {"column": "id", "type": "BigAutoField", "null": False},
            "name": {"column": "name", "type": "CharField", "null": False},
            "price": {"column": "price", "type": "DecimalField", "null": False,
                      "default": "0.00"}}}})


def context(tmp_path: Path, start: SandboxState | None = None) -> Context:
    return Context(sandbox=tmp_path, start=start or state())


def test_the_json_round_trip_keeps_every_new_field():
    fresh = FreshBuild(False, error="OperationalError: no such column: on_sale",
                       failed_migration="store.0003_x",
                       tables={"store_product": [Column("id", "INTEGER", False)]},
                       recorded=("store.0001_initial",))
    original = state(fresh=fresh)
    again = SandboxState.from_json(json.loads(json.dumps(original.to_json())))
    assert again == original


# --- the rule -----------------------------------------------------------------------------------

TWO_STEPS = """
[[steps]]
title = "Unapply 0002"
goal = "g"
hints = ["h"]
solution = ["python manage.py migrate store 0001"]
[[steps.expect]]
migration = "store.0002_add_price_to_product"
applied = false

[[steps]]
title = "Delete 0002"
goal = "g"
hints = ["h"]
solution = [{ delete = "store/migrations/0002_add_price_to_product.py" }]
[[steps.expect]]
migration = "store.0002_add_price_to_product"
on_disk = false
[[steps.expect]]
migration = "store.0002_add_price_to_product"
applied = false

[[invariants]]
database_kept = true
"""

DONE_BOTH = dict(applied=("0001_initial",), files={"0001_initial": ("Create model Product",)},
                 columns=("id", "name"))


def test_two_steps_done_at_once_pass_together(tmp_path):
    verdict = judge_lesson(lesson(tmp_path, TWO_STEPS), 0, state(**DONE_BOTH),
                           context(tmp_path), set())
    assert verdict.passed_steps == [0, 1] and verdict.lesson_complete


def test_steps_done_at_once_do_not_pass_when_an_invariant_breaks(tmp_path):
    """A new database (`rm db.sqlite3 && migrate store 0001`) has all the outcomes of both
    steps, and is still not the learner's database: nothing passes."""
    verdict = judge_lesson(lesson(tmp_path, TWO_STEPS), 0, state(**DONE_BOTH, mark=None),
                           context(tmp_path), set())
    assert verdict.passed_steps == [] and not verdict.passed
    unmet = [o.detail for o in verdict.result.unmet]
    assert any("a new database, not the one this lesson started with" in d and
               "was not put back is gone" in d for d in unmet), unmet


def test_a_deleted_database_is_said_to_be_deleted(tmp_path):
    verdict = judge_lesson(lesson(tmp_path, TWO_STEPS), 0, state(**DONE_BOTH, database=False),
                           context(tmp_path), set())
    assert not verdict.passed
    assert any("there is no db.sqlite3 any more" in o.detail for o in verdict.result.unmet)


def test_a_completed_lesson_is_judged_again_against_the_live_state(tmp_path):
    lesson_ = lesson(tmp_path, TWO_STEPS)
    kept = judge_lesson(lesson_, 2, state(**DONE_BOTH), context(tmp_path), set())
    assert kept.lesson_complete and kept.passed and not kept.broken_since
    broken = judge_lesson(lesson_, 2, state(), context(tmp_path), set())
    assert broken.lesson_complete and not broken.passed and broken.broken_since
    assert not all(o.met for o in broken.result.outcomes)  # passed is never beside met: false


QUESTION_BETWEEN = """
[[steps]]
title = "Unapply 0002"
goal = "g"
hints = ["h"]
solution = ["python manage.py migrate store 0001"]
[[steps.expect]]
migration = "store.0002_add_price_to_product"
applied = false
[steps.question]
ask = "Which columns are left?"
answer = "columns"
choices = ["id", "name", "price"]
about = "goal"

[[steps]]
title = "Apply it again"
goal = "g"
hints = ["h"]
solution = ["python manage.py migrate store"]
[[steps.expect]]
migration = "store.0002_add_price_to_product"
applied = true
"""


def test_a_question_is_never_skipped(tmp_path):
    """Step 2 holds at the start already (0002 applied), yet step 1's question stands
    between: nothing passes until it is answered."""
    verdict = judge_lesson(lesson(tmp_path, QUESTION_BETWEEN), 0, state(), context(tmp_path),
                           set())
    assert verdict.passed_steps == [] and verdict.step_index == 0


def test_a_goal_question_is_refused_before_the_goal_and_answered_after_moving_on(tmp_path):
    lesson_ = lesson(tmp_path, QUESTION_BETWEEN)
    before = question_state(lesson_, 0, state(), context(tmp_path), StepStates())
    assert before.state is None and "First do what this step asks" in before.not_yet
    reverted = state(applied=("0001_initial",), columns=("id", "name"))
    seen = StepStates(held={0: reverted})
    # The learner re-applied 0002 since: the question is still about the reverted state.
    later = question_state(lesson_, 0, state(), context(tmp_path), seen)
    assert later.state is reverted
    assert posed_question(lesson_, 0, state(), seen, context(tmp_path)).correct == ["id", "name"]
    # Answered rightly, the step passes although its own expectation no longer holds, and
    # the next step is judged against the live state.
    verdict = judge_lesson(lesson_, 0, state(), context(tmp_path), {0}, seen)
    assert verdict.passed_steps == [0, 1]


def test_the_check_remembers_a_state_in_which_the_goal_held(tmp_path):
    reverted = state(applied=("0001_initial",), columns=("id", "name"))
    verdict = judge_lesson(lesson(tmp_path, QUESTION_BETWEEN), 0, reverted, context(tmp_path),
                           set())
    assert verdict.held == [0] and not verdict.passed


def test_a_step_start_question_is_judged_against_the_state_the_step_began_in(tmp_path):
    body = QUESTION_BETWEEN.replace('about = "goal"', 'about = "step_start"')
    lesson_ = lesson(tmp_path, body)
    began = state()
    moved_on = state(applied=("0001_initial",), columns=("id", "name"))
    about = question_state(lesson_, 0, moved_on, context(tmp_path, began), StepStates())
    assert about.state is began  # step 1 began in the lesson's start


def test_explanation_parts_are_said_only_when_true_of_the_state(tmp_path):
    body = TWO_STEPS.replace('''solution = ["python manage.py migrate store 0001"]''', '''solution = ["python manage.py migrate store 0001"]
[[steps.explanation]]
text = "Always said."
[[steps.explanation]]
text = "Said when price is gone."
when = { column = "store_product.price", exists = false }''', 1)
    lesson_ = lesson(tmp_path, body)
    gone = judge_lesson(lesson_, 0, state(applied=("0001_initial",), columns=("id", "name")),
                        context(tmp_path), set())
    assert gone.explanations[0] == "Always said.\n\nSaid when price is gone."
    kept = judge_lesson(lesson_, 0, state(applied=("0001_initial",)), context(tmp_path), set())
    assert kept.explanations[0] == "Always said."


# --- conditioned explains ---------------------------------------------------------------------

def test_an_explain_is_said_only_where_its_cause_is_seen(tmp_path):
    body = TWO_STEPS.replace('''migration = "store.0002_add_price_to_product"
applied = false
''', '''migration = "store.0002_add_price_to_product"
applied = false
explain = "--fake left its column behind."
when = { column = "store_product.price" }
''', 1)
    lesson_ = lesson(tmp_path, body)
    expectation = lesson_.steps[0].expectations[0]
    applied = judge_expectation(expectation, state(), context(tmp_path))
    assert not applied.met and applied.detail.endswith("--fake left its column behind.")
    no_column = state(columns=("id", "name"))
    assert "--fake" not in judge_expectation(expectation, no_column, context(tmp_path)).detail


def test_lint_names_an_explain_that_can_never_be_shown(tmp_path):
    body = TWO_STEPS.replace('''migration = "store.0002_add_price_to_product"
on_disk = false
''', '''migration = "store.0002_add_price_to_product"
on_disk = false
explain = "Never shown: its condition is the expectation itself."
when = { migration = "store.0002_add_price_to_product", on_disk = false }
''', 1)
    problems = unobservable_explains(lesson(tmp_path, body))
    assert [(p.field, "never shown" in p.problem) for p in problems] == [
        ("steps[1].expect[0].when[0]", True)]


# --- the fresh build ----------------------------------------------------------------------------

FRESH_BUILD = """
[[steps]]
title = "t"
goal = "g"
hints = ["h"]
solution = ["python manage.py migrate"]
[[steps.expect]]
migration = "store.0002_add_price_to_product"
applied = true
[[steps.expect]]
files_build_database = true
"""


def test_the_fresh_build_is_asked_for_only_when_it_is_the_last_thing_standing(tmp_path):
    lesson_ = lesson(tmp_path, FRESH_BUILD)
    waiting = judge_lesson(lesson_, 0, state(), context(tmp_path), set())
    assert waiting.wants_fresh_build and not waiting.passed
    assert "not checked yet" in waiting.result.unmet[0].detail
    not_there = judge_lesson(lesson_, 0, state(applied=("0001_initial",)), context(tmp_path),
                             set())
    assert not not_there.wants_fresh_build


def test_files_that_fail_on_a_new_database_do_not_pass(tmp_path):
    lesson_ = lesson(tmp_path, FRESH_BUILD)
    failed = FreshBuild(False, error="OperationalError: no such column: on_sale",
                        failed_migration="store.0002_add_price_to_product")
    verdict = judge_lesson(lesson_, 0, state(fresh=failed), context(tmp_path), set())
    assert not verdict.passed
    assert verdict.result.unmet[0].detail == (
        "a new database cannot be built from the migration files: applying "
        "store.0002_add_price_to_product fails with `OperationalError: no such column: "
        "on_sale`.")


def test_a_new_database_must_have_the_same_schema_and_record(tmp_path):
    lesson_ = lesson(tmp_path, FRESH_BUILD)
    same = FreshBuild(True, tables={"store_product": [Column(c, "integer", False)
                                                      for c in ("id", "name", "price")]},
                      recorded=("store.0001_initial", "store.0002_add_price_to_product"))
    assert judge_lesson(lesson_, 0, state(fresh=same), context(tmp_path), set()).passed
    short = FreshBuild(True, tables={"store_product": [Column(c, "integer", False)
                                                       for c in ("id", "name")]},
                       recorded=("store.0001_initial",))
    verdict = judge_lesson(lesson_, 0, state(fresh=short), context(tmp_path), set())
    detail = verdict.result.unmet[0].detail
    assert "your django_migrations records store.0002_add_price_to_product, which the files " \
           "do not give a new database" in detail
    assert "column store_product.price is in yours, not in a new one" in detail


# --- migrations named by what they do -----------------------------------------------------------

def test_a_migration_is_found_by_what_it_does_under_any_name():
    files = {"0001_initial": ("Create model Product",),
             "0002_product_price": ("Add field price to product",)}
    found = find_migrations(state(files=files, applied=("0001_initial",)), MigrationSelector(
        after="0001_initial", operations=("Add field price to product",)))
    assert [m.name for m in found] == ["0002_product_price"]
    assert find_migrations(state(files=files), MigrationSelector(
        after="0001_initial", operations=("Alter field price on product",))) == []


@pytest.mark.parametrize("applied, met, detail", [
    (None, False, "no store migration file fits"),  # no such file: "is not applied" is no pass
    (("0001_initial",), True, ""),                   # the file, unapplied: holds
    (("0001_initial", "0002_product_price"), False, "0002_product_price fits, but it is applied"),
])
def test_a_migration_that_must_exist_unapplied_needs_a_file(tmp_path, applied, met, detail):
    """`on_disk = true` with `applied = false`: one migration must have a file and no record.
    (Before, no such migration at all passed it, as "nothing fitting is applied" does.)"""
    files = {"0001_initial": ("Create model Product",)}
    if applied:
        files["0002_product_price"] = ("Add field price to product",)
    expectation = Expectation("migration", MigrationSelector(
        after="0001_initial", operations=("Add field price to product",)),
        {"on_disk": True, "applied": False})
    outcome = judge_expectation(expectation, state(files=files, applied=applied or ()),
                                context(tmp_path))
    assert outcome.met is met
    assert detail in outcome.detail


def test_only_migrations_gives_each_selector_a_file_of_its_own(tmp_path):
    files = {"0001_initial": ("Create model Product",),
             "0002_product_price": ("Add field price to product",),
             "0003_alter_product_price": ("Alter field price on product",)}
    expectation = Expectation("only_migrations", ["0001_initial", MigrationSelector(
        after="0001_initial", operations=("Add field price to product",))], {})
    outcome = judge_expectation(expectation, state(files=files), context(tmp_path))
    assert not outcome.met and outcome.detail == "it also holds 0003_alter_product_price."
    del files["0003_alter_product_price"]
    assert judge_expectation(expectation, state(files=files), context(tmp_path)).met


# --- rows, fields, words ------------------------------------------------------------------------

def test_rows_are_judged_by_id_and_value_not_by_count(tmp_path):
    expectation = Expectation("rows", "store_product", {"same_as": "start"})
    swapped = state(rows=[{"id": 1, "name": "Mug", "price": 9.99},
                          {"id": 3, "name": "Pot", "price": 12}])
    outcome = judge_expectation(expectation, swapped, context(tmp_path))
    assert not outcome.met and outcome.detail == "The row with id 2 (Pot) is gone."
    cheaper = state(rows=[{"id": 1, "name": "Mug", "price": 9.99},
                          {"id": 2, "name": "Pot", "price": "11.00"}])
    assert judge_expectation(expectation, cheaper, context(tmp_path)).detail == \
        "In the row with id 2 (Pot), price is 11.00 (it was 12)."
    # 12 and "12.00" are the same decimal; a dropped column is not compared.
    same = state(rows=[{"id": 1, "name": "Mug"}, {"id": 2, "name": "Pot"}], columns=("id", "name"))
    assert judge_expectation(expectation, same, context(tmp_path)).met


def test_rows_are_compared_with_a_dumpdata_backup(tmp_path):
    (tmp_path / "backup.json").write_text(json.dumps([
        {"model": "store.product", "pk": 1, "fields": {"name": "Mug", "price": "9.99"}},
        {"model": "store.product", "pk": 2, "fields": {"name": "Pot", "price": "12.00"}},
    ]), encoding="utf-8")
    expectation = Expectation("rows", "store_product", {"same_as": "backup.json"})
    assert judge_expectation(expectation, state(), context(tmp_path)).met
    zeroed = state(rows=[{"id": 1, "name": "Mug", "price": 0}, {"id": 2, "name": "Pot",
                                                                  "price": 0}])
    detail = judge_expectation(expectation, zeroed, context(tmp_path)).detail
    assert detail.startswith("In the row with id 1 (Mug), price is 0 (it was 9.99)")
    missing = Expectation("rows", "store_product", {"same_as": "nothing.json"})
    assert judge_expectation(missing, state(), context(tmp_path)).detail == \
        "there is no file nothing.json."


@pytest.mark.parametrize("default, met", [(0.00, True), (0, True), ("0.00", True), (1, False),
                                          ("free", False)])
def test_a_default_the_goal_names_is_the_one_wanted(tmp_path, default, met):
    expectation = Expectation("field", "store.product.price", {"default": default})
    outcome = judge_expectation(expectation, state(), context(tmp_path))
    assert outcome.met is met
    if not met:
        assert outcome.detail == "in the migration files, product.price: its default is '0.00'."


def test_singular_and_plural_are_right(tmp_path):
    one = state(applied=("0001_initial", "0002_add_price_to_product", "0003_gone"))
    two = state(applied=("0001_initial", "0002_add_price_to_product", "0003_gone", "0004_gone"))
    orphans = Expectation("no_orphans", "store", {})
    assert judge_expectation(orphans, one, context(tmp_path)).detail == \
        "django_migrations records 0003_gone as applied, but its file is gone."
    assert judge_expectation(orphans, two, context(tmp_path)).detail == \
        "django_migrations records 0003_gone and 0004_gone as applied, but their files are gone."
    rows = Expectation("rows", "store_product", {"count": 3})
    single = state(rows=[{"id": 1, "name": "Mug", "price": 1}])
    assert judge_expectation(rows, single, context(tmp_path)).detail == "it has 1 row."


def test_a_goal_question_waits_for_no_fresh_build_but_its_step_does(tmp_path):
    """The fresh build is read only once everything else holds: a question about the goal's
    state can be answered before it, and the step then passes on it alone."""
    body = FRESH_BUILD + '''
[steps.question]
ask = "Which columns are there?"
answer = "columns"
choices = ["id", "name", "price"]
about = "goal"
'''
    lesson_ = lesson(tmp_path, body)
    about = question_state(lesson_, 0, state(), context(tmp_path), StepStates())
    assert about.state is not None and not about.not_yet
    waiting = judge_lesson(lesson_, 0, state(), context(tmp_path), {0})
    assert waiting.wants_fresh_build and not waiting.passed
    failed = FreshBuild(False, error="OperationalError: boom",
                        failed_migration="store.0002_add_price_to_product")
    assert not judge_lesson(lesson_, 0, state(fresh=failed), context(tmp_path), {0}).passed
    same = FreshBuild(True, tables={"store_product": [Column(c, "integer", False)
                                                      for c in ("id", "name", "price")]},
                      recorded=("store.0001_initial", "store.0002_add_price_to_product"))
    assert judge_lesson(lesson_, 0, state(fresh=same), context(tmp_path), {0}).lesson_complete


# --- judged by structure: a squash's own row, `replaces`, a migration's way back ------------

SQUASH = "0001_squashed_0002"


def squashed(recorded: bool, replaces: tuple = ("store.0001_initial",
                                                "store.0002_add_price_to_product")):
    base = state()
    squash = Migration("store", SQUASH, True, True, operations=("Create model Product",),
                       replaces=replaces, initial=True, recorded=recorded)
    base.migrations = [*base.migrations, squash]
    return base


def test_a_squash_counts_as_applied_before_its_row_is_written(tmp_path):
    """Django counts a squash applied once every migration it replaces is; `recorded` asks
    for its own row, which only `migrate` writes."""
    selector = MigrationSelector(replaces=("0001_initial", "0002_add_price_to_product"))
    for option, recorded, met in (("applied", False, True), ("recorded", False, False),
                                  ("recorded", True, True)):
        outcome = judge_expectation(Expectation("migration", selector, {option: True}),
                                    squashed(recorded), context(tmp_path))
        assert outcome.met is met, (option, recorded)
    outcome = judge_expectation(Expectation("migration", selector, {"recorded": True}),
                                squashed(False), context(tmp_path))
    assert outcome.detail == (f"{SQUASH} fits, but django_migrations has no row of its own for "
                              "it (it counts as applied because every migration it replaces "
                              "is).")


def test_replaces_nothing_is_judged_from_the_loaded_migration(tmp_path):
    """`replaces = []`: the squash with its `replaces` line gone, whatever a comment says."""
    selector = MigrationSelector(operations=("Create model Product",), replaces=())
    assert selector.words() == ("a store migration that replaces no migration that does "
                                "Create model Product")
    wanted = Expectation("migration", selector, {"on_disk": True})
    alone, finished = squashed(True), squashed(True, replaces=())
    for one in (alone, finished):  # the replaced files deleted: the squash alone is left
        one.migrations = one.migrations[-1:]
    assert not judge_expectation(wanted, alone, context(tmp_path)).met
    assert judge_expectation(wanted, finished, context(tmp_path)).met


@pytest.mark.parametrize("trip, applied, met, detail", [
    ({"error": "", "differences": [], "changes": ["store_product, id 1: price 10.99, was 9.99"]},
     False, True, ""),
    ({"error": "", "differences": [], "changes": []}, False, False,
     "applied to a copy of your rows, it changes none of them: its way there does nothing, so "
     "there is nothing for a way back to undo (an emptied `operations` list, or a function that "
     "does nothing)."),
    ({"error": "", "differences": ["store_product, id 1: price 10.99, was 9.99"],
      "changes": ["store_product, id 1: price 10.99, was 9.99"]}, False, False,
     "applied and then unapplied, it left the rows changed: store_product, id 1: price 10.99, "
     "was 9.99."),
    ({"error": "IrreversibleError: Operation <RunPython> is not reversible", "differences": []},
     False, False, "applied and then unapplied, it failed with `IrreversibleError: Operation "
                   "<RunPython> is not reversible`."),
    (None, True, False, "it is applied: the tutor tries a migration's way back once it is "
                        "unapplied, with every migration it depends on applied."),
])
def test_a_migrations_way_back_is_judged_by_trying_it(tmp_path, trip, applied, met, detail):
    files = {"0001_initial": ("Create model Product",),
             "0002_add_price_to_product": ("Raw Python operation",)}
    trips = {"store.0002_add_price_to_product": trip} if trip else {}
    now = state(files=files, applied=("0001_initial", "0002_add_price_to_product")[:2 if applied
                                                                                    else 1],
                fresh=FreshBuild(True, round_trips=trips))
    outcome = judge_expectation(Expectation("reverses", "store.0002_add_price_to_product", {}),
                                now, context(tmp_path))
    assert (outcome.met, outcome.detail) == (met, detail)
    waiting = judge_expectation(Expectation("reverses", "store.0002_add_price_to_product", {}),
                                state(files=files), context(tmp_path))
    assert waiting.pending and not waiting.met


def test_a_deployed_migration_is_judged_unchanged_by_what_it_does(tmp_path):
    """`unchanged = true`: the file does what it did at the lesson's start, each operation's
    whole definition compared (not its description: an edited default keeps it)."""
    def with_digest(digest: str):
        now = state()
        now.migrations = [dataclasses.replace(m, operation_digests=(digest,))
                          if m.name == "0002_add_price_to_product" else m for m in now.migrations]
        return now

    start = with_digest("aaa")
    wanted = Expectation("migration", MigrationSelector(name="0002_add_price_to_product"),
                         {"unchanged": True})
    kept = judge_expectation(wanted, with_digest("aaa"), context(tmp_path, start))
    assert kept.met and kept.text == ("store.0002_add_price_to_product does what it did when "
                                      "the lesson began")
    edited = judge_expectation(wanted, with_digest("bbb"), context(tmp_path, start))
    assert not edited.met and edited.detail == (
        "store/migrations/0002_add_price_to_product.py no longer does what it did when the "
        "lesson began: an operation is the same kind, made otherwise (a field, an SQL statement "
        "or a function of it changed).")


UNDONE_LATER = """
[[steps]]
title = "Unapply 0002"
goal = "g"
hints = ["h"]
solution = ["python manage.py migrate store 0001"]
{flag}
[[steps.expect]]
migration = "store.0002_add_price_to_product"
applied = false

[[steps]]
title = "Apply it again"
goal = "g"
hints = ["h"]
solution = ["python manage.py migrate store"]
[[steps.expect]]
migration = "store.0002_add_price_to_product"
applied = true
[[steps.expect]]
column = "store_product.price"
"""


def test_a_step_whose_work_no_longer_shows_is_not_passed_by_a_later_one(tmp_path):
    """Step 2 holds at the start already; step 1's own goal (0002 unapplied) does not show:
    nothing tells a learner who never unapplied it from one who did, so nothing passes, and
    the check says which later goal holds. A step that says a road without it is no wrong one
    passes with the later step."""
    strict = judge_lesson(lesson(tmp_path, UNDONE_LATER.replace("{flag}", "")), 0, state(),
                          context(tmp_path), set())
    assert strict.passed_steps == [] and strict.ahead == 1
    lenient = judge_lesson(lesson(tmp_path, UNDONE_LATER.replace(
        "{flag}", "passes_with_a_later_step = true"), "lenient"), 0, state(),
        context(tmp_path), set())
    assert lenient.passed_steps == [0, 1] and lenient.ahead is None
