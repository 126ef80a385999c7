"""Every field of the lesson format that becomes a path goes through one rule (issue 27,
point 2): a lesson handed to a room may not write, delete, read or import anything outside
its place. The fields are the format's own declaration (`lessons.PATH_FIELDS`), which the
loader applies to every field it reads at such a place; these tests plant paths that lead out
in each declared field, and then in every other text of a lesson that uses every path field,
which is built and solved: nothing may appear outside the sandbox."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import tutor

from tutor.exceptions import LessonFileError
from tutor.lessons import PATH_FIELDS, ParsedFiles, field_pattern, load_lesson

# A lesson that uses every path-bearing field of the format (its models versions, files and
# migration sources are the shipped ones, found in the shipped lessons folder).
LESSON = {
    "format": 1,
    "id": "paths",
    "title": "Every path",
    "summary": "A lesson that names a path in every field that takes one.",
    "intro": "Nothing here may lead out of the sandbox.",
    "start": {
        "migrations": [
            "0001_initial",
            {"name": "0002_add_price_to_product", "models": "0002_add_price_to_product"},
            {"name": "0003_raise_prices",
             "source": "files/irreversible-migration/0003_raise_prices.py"},
        ],
        "applied": "0003_raise_prices",
        "models": "0002_add_price_to_product",
        "files": [
            {"path": "store/fixtures/products.json",
             "source": "files/cross-app-revert/products.json"},
            {"path": "store/fixtures/spare.json",
             "source": "files/cross-app-revert/products.json"},
            {"path": "notes.json", "source": "files/cross-app-revert/products.json"},
        ],
        "commands": [
            {"delete": "store/fixtures/products.json"},
            {"edit": "store/fixtures/spare.json", "replace": "name", "with": "name"},
        ],
        "apps": [{"name": "orders",
                  "migrations": [{"name": "0001_initial", "models": "0001_initial"},
                                 {"name": "0002_nothing", "source": "files/0002_nothing.py"}],
                  "applied": "0001_initial", "models": "0001_initial"}],
        "databases": [{"name": "teammate", "applied": "0001_initial"}],
    },
    "releases": [{"name": "v1", "models": "0002_add_price_to_product", "reads": ["name"]}],
    "invariants": [{"file": "store/apps.py", "exists": True, "steps": [1]}],
    "steps": [{
        "title": "Tidy up",
        "goal": "Delete the spare fixture.",
        "hints": ["It is in store/fixtures."],
        "solution": [{"delete": "store/fixtures/spare.json"},
                     {"edit": "notes.json", "replace": "name", "with": "name"}],
        "expect": [
            {"file": "store/fixtures/spare.json", "exists": False,
             "explain": "It is still there.",
             "when": [{"file": "store/apps.py", "exists": True}]},
            {"backup": "backup.json", "tables": ["store_product"], "explain": "Back up first."},
            {"no_file_contains": "DROP", "under": "store"},
            {"rows": "store_product", "same_as": "start"},
        ],
        "explanation": [{"text": "Done.", "when": [{"file": "store/apps.py"}]}],
    }],
}

# The one file of the lesson's own (the rest are the shipped ones).
NOTHING = """\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]
    operations = []
"""

LEADING_OUT = ["../../../../escaped", "/tmp/escaped-absolute", "store/../../../escaped",
               "..\\..\\escaped", "~/escaped"]


class Given(ParsedFiles):
    """The lesson's data as TOML would give it, without a file to parse."""

    def __init__(self, data: dict):
        super().__init__()
        self.data = data

    def read(self, file: Path) -> dict:
        return self.data


def leaves(data, where: str = ""):
    """Every string of `data`, with where it stands (`start.files[0].path`)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, f"{where}.{key}" if where else key)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from leaves(value, f"{where}[{i}]")
    elif isinstance(data, str):
        yield where, data


def planted(data, where: str, value: str):
    """A copy of `data` with the string at `where` replaced by `value`."""
    copy = json.loads(json.dumps(data))
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", where)
    node = copy
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    last = parts[-1]
    if last.startswith("["):
        node[int(last[1:-1])] = value
    else:
        node[last] = value
    return copy


def load(data: dict, tmp_path: Path):
    (tmp_path / "files").mkdir(exist_ok=True)
    (tmp_path / "files/0002_nothing.py").write_text(NOTHING, encoding="utf-8")
    return load_lesson(tmp_path / "paths.toml", Given(data))


def test_the_lesson_loads_and_names_a_path_in_every_declared_field(tmp_path):
    load(LESSON, tmp_path)
    used = {field_pattern(where) for where, _ in leaves(LESSON)}
    # A string entry of start.migrations is a name and the models version of that name.
    used |= {"start.migrations[].name"}
    assert set(PATH_FIELDS) <= used, set(PATH_FIELDS) - used


@pytest.mark.parametrize("pattern", sorted(PATH_FIELDS))
@pytest.mark.parametrize("value", LEADING_OUT)
def test_a_declared_path_field_that_leads_out_is_refused_with_its_field(tmp_path, pattern,
                                                                        value):
    [where, *_] = [w for w, _ in leaves(LESSON) if field_pattern(w) == pattern] or \
        [w + ".name" for w, text in leaves(LESSON) if field_pattern(w) == "start.migrations[]"]
    with pytest.raises(LessonFileError) as refused:
        load(planted(LESSON, where, value), tmp_path)
    expected = where if pattern != "start.migrations[].name" or where.endswith(".name") \
        else where
    assert refused.value.field == expected, refused.value
    assert any(words in refused.value.problem for words in
               ("leads out of", "absolute path", "is not a migration's name",
                "must be a lower-case name")), refused.value.problem


def test_a_name_given_as_a_string_is_a_module_name_too(tmp_path):
    data = planted(LESSON, "start.migrations[0]", "../../../../x")
    with pytest.raises(LessonFileError) as refused:
        load(data, tmp_path)
    assert refused.value.field == "start.migrations[0].name"
    assert "is not a migration's name" in refused.value.problem


def to_toml(data: dict) -> str:
    """TOML for the lesson: every table inline (JSON strings are TOML basic strings)."""
    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return json.dumps(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(map(value, v)) + "]"
        return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
    return "".join(f"{json.dumps(k)} = {value(v)}\n" for k, v in data.items())


def test_no_other_field_of_the_format_is_a_path(tmp_path):
    """Every other text of the lesson leads out (each planted alone first: one the loader
    refuses has a rule of its own); the lesson is built and solved, and nothing appears
    outside the sandbox. A new field that becomes a path without being declared fails here."""
    home = tmp_path / "a" / "b" / "c" / "home"
    outside = [where for where, _ in leaves(LESSON) if field_pattern(where) not in PATH_FIELDS
               and not where.startswith(("format", "id"))
               and not where.endswith((".run", ".replace"))]  # a command; text to find
    plantable = []
    for number, where in enumerate(outside):
        value = f"../../../../escaped-{number}"
        try:
            load(planted(LESSON, where, value), tmp_path)
        except LessonFileError:
            continue
        plantable.append((where, value))
    assert len(plantable) >= 10, plantable  # the texts, hints, names of tables and the like
    data = LESSON
    for where, value in plantable:
        data = planted(data, where, value)
    # Where a path that leads out would land: from the sandbox (HOME/sandbox/../../../..), and
    # from the lesson's folder. A canary at each: a path that leads out may not delete it,
    # nor change it, nor write beside it.
    canaries = [folder / value.rsplit("/", 1)[1] for folder in (tmp_path / "a", tmp_path)
                for _, value in plantable]
    for canary in canaries:
        canary.parent.mkdir(parents=True, exist_ok=True)
        canary.write_text("the learner's own", encoding="utf-8")
    course = tmp_path / "w" / "x" / "y" / "course"
    (course / "files").mkdir(parents=True)
    (course / "files/0002_nothing.py").write_text(NOTHING, encoding="utf-8")
    (course / "paths.toml").write_text(to_toml(data), encoding="utf-8")
    (course / "course.toml").write_text('format = 1\norder = ["paths"]\n', encoding="utf-8")
    result = tutor(home, "--course", str(course), "reset", "paths", "--trust-course")
    assert result.returncode == 0, result.stdout + result.stderr
    tutor(home, "--course", str(course), "solve", "--trust-course")
    tutor(home, "--course", str(course), "check")
    escaped = {path for path in tmp_path.rglob("*escaped*") if home not in path.parents}
    assert escaped == set(canaries)
    assert all(canary.read_text(encoding="utf-8") == "the learner's own" for canary in canaries)


@pytest.mark.parametrize("where", ["start.files[0].path", "start.commands[0].delete",
                                   "start.commands[1].edit", "steps[0].solution[0].delete",
                                   "steps[0].solution[1].edit"])
@pytest.mark.parametrize("value, said", [
    (".tutor-sandbox", "the tutor's own or git's"),
    (".git/config", "the tutor's own or git's"),
    (".git/hooks/post-checkout", "the tutor's own or git's"),
    ("./.git/config", "the tutor's own or git's"),
    ("store/", "names a folder"),
    ("store/" + "x" * 300 + ".py", "longer than 255 bytes"),
])
def test_what_the_tutor_writes_is_a_file_of_the_learners_project(tmp_path, where, value, said):
    """Probe: `{ delete = ".tutor-sandbox" }` in a solution left a home that no reset would
    touch again; a start file written to `.git/config` ran a program at the build's `git add`
    (git's own folder holds code no listing shows); a folder or an over-long name failed at
    build time with a misleading message. Refused when the lesson loads, with the field."""
    with pytest.raises(LessonFileError) as refused:
        load(planted(LESSON, where, value), tmp_path)
    assert refused.value.field == where and said in refused.value.problem
