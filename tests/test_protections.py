"""The protections every step holds unless it says otherwise (deny by default), judged in
memory with states made by hand, as tests/test_judge.py judges the rule.

Each wrong road here is one no step of the lesson asks for: a row lost, a value changed, a
database made again, a record faked, a file deleted, a release broken, on the learner's own
database or another one; and each allowance lets through exactly what it names.
"""

from __future__ import annotations

import dataclasses

import pytest
from test_judge import START, context, lesson, state

from tutor.judge import judge_lesson
from tutor.lessons import Allowance, load_lesson
from tutor.protections import protect
from tutor.seen import StepStates
from tutor.state import ReleaseRun

# One step: unapply 0002 (the price column goes). Nothing in its goal changes a row.
REVERT = """
[[steps]]
title = "Unapply 0002"
goal = "g"
hints = ["h"]
solution = ["python manage.py migrate store 0001"]
[[steps.expect]]
migration = "store.0002_add_price_to_product"
applied = false
{allow}
"""

REVERTED = dict(applied=("0001_initial",), columns=("id", "name"))
ROWS = [{"id": 1, "name": "Mug", "price": 9.99}, {"id": 2, "name": "Pot", "price": 12}]


def judged(tmp_path, allow: str = "", now=None, start=None, step=0, seen=None,
           lesson_text: str = REVERT):
    lesson_ = lesson(tmp_path, lesson_text.replace("{allow}", allow))
    return judge_lesson(lesson_, step, now if now is not None else state(**REVERTED),
                        context(tmp_path, start), set(), seen)


WAY_BACK = (" To go back: `tutor undo` takes the sandbox back to the last point the tutor saw "
            "(`tutor history` lists them), and `tutor reset judged` starts the lesson over.")


def breaches(verdict) -> list[str]:
    """The protections broken, each as "claim: detail" (the way back, said once with the
    first, left out)."""
    said = [f"{o.text}: {o.detail}" for o in verdict.result.outcomes
            if o.protection and not o.met]
    if said:
        assert said[0].endswith(WAY_BACK.replace("judged", verdict_lesson_id(said[0]))), said[0]
        said[0] = said[0][:said[0].index(" To go back:")]
    return said


def verdict_lesson_id(text: str) -> str:
    return text[text.index("`tutor reset ") + len("`tutor reset "):].split("`")[0].split()[0]


def test_the_goal_reached_without_loss_passes(tmp_path):
    """A dropped column is the goal's own doing: the rows keep their other values."""
    verdict = judged(tmp_path)
    assert verdict.passed_steps == [0], breaches(verdict)


def test_a_row_lost_on_the_way_fails_the_step_and_is_named(tmp_path):
    now = state(**REVERTED, rows=ROWS[:1])
    verdict = judged(tmp_path, now=now)
    assert verdict.passed_steps == []
    assert breaches(verdict) == [
        "every row store_product had when this step began is still there, with the same "
        "values: The row with id 2 (Pot) is gone."]


def test_a_value_changed_on_the_way_fails_the_step(tmp_path):
    now = state(**REVERTED, rows=[ROWS[0], {**ROWS[1], "name": "Teapot"}])
    verdict = judged(tmp_path, now=now)
    assert not verdict.passed
    assert "In the row with id 2 (Pot), name is Teapot (it was Pot)." in breaches(verdict)[0]


def test_rows_added_are_no_loss(tmp_path):
    now = state(**REVERTED, rows=[*ROWS, {"id": 3, "name": "Cup", "price": 1}])
    assert judged(tmp_path, now=now).passed_steps == [0]


def test_numbers_compare_as_decimals(tmp_path):
    """SQLite gives 12 for a stored 12.00: no value changed."""
    start = state(rows=[ROWS[0], {**ROWS[1], "price": "12.00"}])
    now = state(rows=ROWS)
    lesson_text = REVERT.replace('applied = false', 'applied = true')
    verdict = judged(tmp_path, now=now, start=start, lesson_text=lesson_text)
    assert breaches(verdict) == []


def test_an_allowance_lets_through_exactly_the_columns_it_names(tmp_path):
    allow = '[[steps.allow]]\nrows = "store_product"\ncolumns = ["name"]'
    renamed = state(**REVERTED, rows=[ROWS[0], {**ROWS[1], "name": "Teapot"}])
    verdict = judged(tmp_path, allow, now=renamed)
    assert verdict.passed_steps == [0]
    assert [a.kind for a in verdict.excused[0]] == ["rows"]
    # A row that goes is more than a changed name.
    gone = judged(tmp_path, allow, now=state(**REVERTED, rows=ROWS[:1]))
    assert not gone.passed and "The row with id 2 (Pot) is gone." in breaches(gone)[0]


def test_an_allowance_of_some_rows_leaves_the_others_protected(tmp_path):
    allow = '[[steps.allow]]\nrows = "store_product"\nids = [2]'
    assert judged(tmp_path, allow, now=state(**REVERTED, rows=ROWS[:1])).passed
    verdict = judged(tmp_path, allow, now=state(**REVERTED, rows=ROWS[1:]))
    assert not verdict.passed and "The row with id 1 (Mug) is gone." in breaches(verdict)[0]


def test_an_allowance_without_columns_lets_rows_go(tmp_path):
    allow = '[[steps.allow]]\nrows = "store_product"'
    assert judged(tmp_path, allow, now=state(**REVERTED, rows=[])).passed


def test_an_unused_allowance_is_not_counted_as_excusing(tmp_path):
    verdict = judged(tmp_path, '[[steps.allow]]\nrows = "store_product"')
    assert verdict.passed_steps == [0] and verdict.excused[0] == frozenset()


def test_a_database_made_again_is_said_and_compared_no_further(tmp_path):
    verdict = judged(tmp_path, now=state(**REVERTED, mark=99, rows=[]))
    assert breaches(verdict) == [
        "db.sqlite3 is the database this step began with: db.sqlite3 is a new database: the one "
        "this step began with was deleted or replaced, and whatever only it held with it."]
    allowed = judged(tmp_path, '[[steps.allow]]\nnew_database = true\n\n'
                               '[[steps.allow]]\nrows = "store_product"',
                     now=state(**REVERTED, mark=99, rows=[]))
    assert allowed.passed


def test_a_record_changed_without_its_schema_fails_the_step(tmp_path):
    """`migrate store 0001 --fake`: the record went, the column stayed."""
    faked = state(applied=("0001_initial",))
    faked.schema_drift = {"store": ["column store_product.price is in the database, though no "
                                    "applied migration adds it"]}
    verdict = judged(tmp_path, now=faked)
    assert breaches(verdict) == [
        "store's tables match what its applied migrations say: column store_product.price is "
        "in the database, though no applied migration adds it."]
    assert judged(tmp_path, '[[steps.allow]]\ndrift = "store"', now=faked).passed


def test_a_step_that_judges_the_record_itself_is_not_told_twice(tmp_path):
    faked = state(applied=("0001_initial",))
    faked.schema_drift = {"store": ["column store_product.price is in the database, though no "
                                    "applied migration adds it"]}
    text = REVERT + '\n[[steps.expect]]\nschema_matches_record = "store"\n'
    verdict = judged(tmp_path, now=faked, lesson_text=text)
    assert not verdict.passed and breaches(verdict) == []


def test_a_record_whose_file_is_gone_fails_the_step(tmp_path):
    orphaned = state(applied=("0001_initial", "0002_add_price_to_product"),
                     files={"0001_initial": ("Create model Product",)})
    text = REVERT.replace("applied = false", "on_disk = false")
    verdict = judged(tmp_path, now=orphaned, start=state(), lesson_text=text)
    assert breaches(verdict) == [
        "every applied store migration still has its file: django_migrations records "
        "0002_add_price_to_product as applied, but its file is gone."]
    allowed = judged(tmp_path, '[[steps.allow]]\norphans = "store"', now=orphaned,
                     lesson_text=text)
    assert allowed.passed


def with_teammate(main, teammate):
    teammate = dataclasses.replace(teammate, database="teammate",
                                   database_file="teammate.sqlite3")
    return dataclasses.replace(main, databases={"teammate": teammate})


TEAM = """
[start]
migrations = ["0001_initial", "0002_add_price_to_product"]
applied = "0002_add_price_to_product"
databases = [{ name = "teammate", applied = "0002_add_price_to_product" }]
""" + REVERT


def team_lesson(tmp_path, allow: str = ""):
    path = tmp_path / "team.toml"
    path.write_text(START.format(id="team").split("[start]")[0] + TEAM.replace("{allow}", allow),
                    encoding="utf-8")
    return load_lesson(path)


def test_every_database_is_protected_not_only_the_learners(tmp_path):
    start = with_teammate(state(), state())
    wiped = with_teammate(state(**REVERTED), state(rows=[{**ROWS[0], "price": 0}, ROWS[1]]))
    verdict = judge_lesson(team_lesson(tmp_path), 0, wiped, context(tmp_path, start), set())
    assert breaches(verdict) == [
        "on teammate: every row store_product had when this step began is still there, with "
        "the same values: In the row with id 1 (Mug), price is 0 (it was 9.99)."]
    allow = '[[steps.allow]]\nrows = "store_product"\ncolumns = ["price"]\n'
    on_teammate = team_lesson(tmp_path, allow + 'database = "teammate"\n')
    assert judge_lesson(on_teammate, 0, wiped, context(tmp_path, start), set()).passed
    # The same allowance on the learner's own database does not cover the teammate's.
    on_own = team_lesson(tmp_path, allow)
    assert not judge_lesson(on_own, 0, wiped, context(tmp_path, start), set()).passed


def test_a_database_gone_from_the_settings_is_said(tmp_path):
    start = with_teammate(state(), state())
    guarded = protect(start, state(**REVERTED), [])
    assert [b.text for b in guarded.breaches] == [
        "on teammate: the sandbox still has the database teammate"]


def test_a_broken_release_fails_the_step_unless_allowed():
    broken = dataclasses.replace(state(), releases={"1.4": ReleaseRun(
        "1.4", "default", ("reads name",), (("read", "no such column: price"),))})
    guarded = protect(state(), broken, [], ["1.4"])
    assert [(b.text, b.detail) for b in guarded.breaches] == [
        ("release 1.4 works on default", "Its read failed: no such column: price.")]
    allowance = Allowance("broken_release", "1.4")
    assert protect(state(), broken, [allowance], ["1.4"]).excused == {allowance}
    # A release the step judges itself (`release_works`) is not told twice.
    assert protect(state(), broken, [], ["1.4"], {("release_works", "1.4")}).breaches == []


TWO = REVERT.replace("{allow}", "") + """
[[steps]]
title = "Rename a product"
goal = "g"
hints = ["h"]
solution = ["python manage.py shell -c \\"...\\""]
[[steps.expect]]
values = "store_product.name"
equal = ["Mug", "Teapot"]
[[steps.allow]]
rows = "store_product"
columns = ["name"]
"""


def test_steps_done_at_once_allow_what_either_allows(tmp_path):
    renamed = state(**REVERTED, rows=[ROWS[0], {**ROWS[1], "name": "Teapot"}])
    verdict = judged(tmp_path, now=renamed, lesson_text=TWO)
    assert verdict.passed_steps == [0, 1], breaches(verdict)


def test_the_way_back_names_the_step_to_start_again(tmp_path):
    renamed = state(**REVERTED, rows=[ROWS[0], {**ROWS[1], "name": "Teapot"}])
    seen = StepStates(began={1: state(**REVERTED)})
    verdict = judged(tmp_path, now=renamed, step=1, seen=seen,
                     lesson_text=TWO.replace('columns = ["name"]', 'columns = ["price"]'))
    detail = next(o.detail for o in verdict.result.outcomes if o.protection)
    assert detail.endswith("`tutor undo` takes the sandbox back to the last point the tutor "
                           "saw (`tutor history` lists them), and `tutor reset judged --step 2` "
                           "starts this step over.")


def test_a_step_is_compared_with_the_state_it_began_in(tmp_path):
    """Step 2 began with the name already changed (by step 1's road): the change is no loss
    of step 2's. Without the state it began in, the lesson's start is the baseline, with the
    allowances of every step up to it."""
    renamed = state(**REVERTED, rows=[ROWS[0], {**ROWS[1], "name": "Teapot"}])
    lesson_text = TWO.replace('rows = "store_product"\ncolumns = ["name"]\n', "")
    lesson_text = lesson_text.replace("[[steps.allow]]\n", "")
    seen = StepStates(began={1: renamed})
    assert judged(tmp_path, now=renamed, step=1, seen=seen, lesson_text=lesson_text).passed
    lost = judged(tmp_path, now=renamed, step=1, lesson_text=lesson_text)
    assert not lost.passed
    assert "name is Teapot (it was Pot)" in breaches(lost)[0]


@pytest.mark.parametrize("gone_id, said", [(5, True), (150, False)])
def test_only_rows_that_were_read_are_said_to_be_gone(gone_id, said):
    """The state holds a big table's first 100 rows: a row past them is not known to be gone."""
    many = [{"id": i, "name": f"p{i}"} for i in range(1, 201)]
    before = state(rows=many[:100], columns=("id", "name"))
    before.row_counts["store_product"] = 200
    left = [row for row in many if row["id"] != gone_id][:100]
    now = state(rows=left, columns=("id", "name"))
    now.row_counts["store_product"] = 199
    guarded = protect(before, now, [])
    assert bool(guarded.breaches) is said


def test_the_steps_own_words_name_the_way_back_only_where_the_step_broke_it(tmp_path):
    """The step judges the record itself: a fake during the step gets the way back with the
    step's own words; where the record disagreed already when the step began (mending it is
    the step's goal), no way back is offered."""
    text = REVERT + '\n[[steps.expect]]\nschema_matches_record = "store"\n'
    faked = state(applied=("0001_initial",))
    faked.schema_drift = {"store": ["column store_product.price is in the database, though no "
                                    "applied migration adds it"]}
    broke = judged(tmp_path, now=faked, lesson_text=text)
    detail = next(o.detail for o in broke.result.outcomes if o.text.startswith("store's tables"))
    assert detail.endswith("`tutor reset judged` starts the lesson over.")
    mending = judged(tmp_path, now=faked, start=faked, lesson_text=text)
    detail = next(o.detail for o in mending.result.outcomes if o.text.startswith("store's tables"))
    assert "tutor undo" not in detail


def test_two_leaves_in_an_apps_graph_fail_the_step_unless_allowed(tmp_path):
    """A migration whose dependency names the wrong parent leaves two leaves: `migrate`
    refuses to run, whatever else holds."""
    split = state(**REVERTED)
    split.conflicts = {"store": ["0003_x", "0004_y"]}
    verdict = judged(tmp_path, now=split)
    assert breaches(verdict) == [
        "store's migrations form one line (one leaf migration): 0003_x and 0004_y are both "
        "leaves of store's migration graph, so `migrate` refuses to run (`Conflicting "
        "migrations detected`): one must depend on the other, or a merge migration join them."]
    assert judged(tmp_path, '[[steps.allow]]\nconflicts = "store"', now=split).passed
