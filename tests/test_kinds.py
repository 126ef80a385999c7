"""Each expectation kind is declared once (tutor/course/kinds.py) and everything else asks the
declaration: one judge per kind, the loader's fields and defaults, `tutor lessons` without a
judge. (tests/test_docs.py proves lessons/README.md says each kind as it is declared.)"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO
from test_judge import lesson

from tutor.checks import JUDGES
from tutor.course.kinds import EXPECTATION_KINDS, SCOPES, kinds_about
from tutor.lessons import Expectation


def test_every_kind_has_one_judge_and_every_judge_a_kind():
    assert list(JUDGES) and set(JUDGES) == set(EXPECTATION_KINDS)


def test_every_kind_is_about_one_scope():
    assert sorted(name for scope in SCOPES for name in kinds_about(scope)) \
        == sorted(EXPECTATION_KINDS)


def test_an_expectation_asks_its_kind_for_a_default():
    column = Expectation(kind="column", subject="store_product.price", options={})
    assert column.option("exists") is True and column.option("null") is None
    written = Expectation(kind="column", subject="store_product.price",
                          options={"exists": False})
    assert written.option("exists") is False
    assert Expectation(kind="only_migrations", subject=[], options={}).option("app") == "store"


# A step of one expectation, the lesson around it test_judge's.
STEP = """
[[steps]]
title = "t"
goal = "g"
hints = ["h"]
solution = ["python manage.py migrate"]
expect = [{ EXPECT }]
"""


# A subject of the right shape for each kind (TOML), so that only the option is wrong.
SUBJECTS = {"migration": '"store.0001_initial"', "column": '"store_product.price"',
            "field": '"store.product.price"', "values": '"store_product.price"',
            "reverses": '"store.0001_initial"', "only_migrations": '["0001_initial"]',
            "files_build_database": "true", "database_kept": "true",
            "release_works": "true"}


@pytest.mark.parametrize("kind", sorted(k for k in EXPECTATION_KINDS
                                        if EXPECTATION_KINDS[k].options))
def test_the_loader_takes_each_option_of_its_declared_type(tmp_path, kind):
    """An option of another type than its kind declares is refused, with its field."""
    from tutor.exceptions import LessonFileError

    subject = SUBJECTS.get(kind, '"store"')
    for name, option in EXPECTATION_KINDS[kind].options.items():
        wrong = "[1]" if option.type is not list else '"x"'
        with pytest.raises(LessonFileError) as problem:
            lesson(tmp_path, STEP.replace("EXPECT", f"{kind} = {subject}, {name} = {wrong}"))
        assert problem.value.field == f"steps[0].expect[0].{name}", (kind, name)


def test_tutor_lessons_imports_no_judge(home):
    """The course, as `tutor lessons` reads it, names its kinds without their judges."""
    probe = ("import sys\nfrom tutor.cli import main\n"
             f"try:\n    main(['lessons', '--json', '--home', {str(home)!r}])\n"
             "except SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.startswith(('tutor.checks', "
             "'tutor.judge', 'django'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert '"lessons"' in out.stdout, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr
