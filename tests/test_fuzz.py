"""Arbitrary bytes in the progress file and in lesson files never crash the tutor."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.exceptions import LessonFileError
from tutor.lessons import load_course, load_lesson
from tutor.paths import resource_dir
from tutor.progress import Progress, ProgressFile

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# Bytes that are often close to valid: mutations of a real progress file and of JSON.
REAL_PROGRESS = (b'{"format": 1, "current": "revert-applied", "lessons": {"revert-applied": '
                 b'{"step": 1, "completed": false, "hints_shown": {"0": 2}, "answered": []}}}')
progress_bytes = st.one_of(
    st.binary(max_size=300),
    st.integers(0, len(REAL_PROGRESS)).map(lambda n: REAL_PROGRESS[:n]),
    st.tuples(st.integers(0, len(REAL_PROGRESS) - 1), st.binary(min_size=1, max_size=3)).map(
        lambda t: REAL_PROGRESS[:t[0]] + t[1] + REAL_PROGRESS[t[0] + 1:]),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                 lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                 max_leaves=10).map(lambda v: __import__("json").dumps(v).encode()),
)


@FUZZ
@given(raw=progress_bytes)
def test_any_progress_file_loads_or_is_kept_aside(raw):
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        (home / "progress.json").write_bytes(raw)
        file = ProgressFile(home)
        progress = file.load()
        assert isinstance(progress, Progress)
        if file.warning:
            backups = list(home.glob("progress.json.unreadable-*"))
            assert [b.read_bytes() for b in backups] == [raw]
        file.save(progress)  # whatever was loaded can be written back
        assert ProgressFile(home).load() == progress


LESSON = resource_dir("lessons") / "revert-applied.toml"
REAL_LESSON = LESSON.read_bytes()
lesson_bytes = st.one_of(
    st.binary(max_size=400),
    st.integers(0, len(REAL_LESSON)).map(lambda n: REAL_LESSON[:n]),
    st.tuples(st.integers(0, len(REAL_LESSON) - 1), st.binary(min_size=1, max_size=4)).map(
        lambda t: REAL_LESSON[:t[0]] + t[1] + REAL_LESSON[t[0] + 1:]),
)


@FUZZ
@given(raw=lesson_bytes)
def test_any_lesson_file_loads_or_names_itself(raw):
    with tempfile.TemporaryDirectory() as folder:
        lessons = Path(folder) / "lessons"
        shutil.copytree(resource_dir("lessons"), lessons)
        (lessons / "revert-applied.toml").write_bytes(raw)
        try:
            load_lesson(lessons / "revert-applied.toml")
        except LessonFileError as error:
            assert error.file == "revert-applied.toml"
        course = load_course(lessons)
        assert "delete-unapplied" in course.ids  # the other lessons still work


# --- nested JSON (issue 13): deeper than Python's recursion limit, anywhere in the file ----

def _nested(depth: int, opener: str, leaf: str) -> str:
    closer = {"[": "]", '{"a": ': "}"}
    return opener * depth + leaf + closer[opener] * depth


nested_json = st.tuples(st.integers(1, 5000), st.sampled_from(["[", '{"a": ']),
                        st.sampled_from(["1", '"x"', "null", "[]"]),
                        st.sampled_from(["{}", '{"format": 1, "lessons": {}}',
                                         '{"format": 1, "lessons": {"revert-applied": {}}}'])
                        ).map(lambda t: (t[3][:-1] + (", " if t[3] != "{}" else "")
                                         + '"x": ' + _nested(*t[:3]) + "}").encode())


@FUZZ
@given(raw=nested_json)
def test_nested_json_in_the_progress_file_or_the_lesson_cache_is_kept_aside(raw):
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        (home / "progress.json").write_bytes(raw)
        progress = ProgressFile(home).load()
        assert isinstance(progress, Progress)
        (home / "lessons.json").write_bytes(raw)
        course = load_course(cache=home / "lessons.json")
        assert "revert-applied" in course.ids


# --- lesson files with hostile paths (issue 13): nothing the loader yields leads out -------

hostile_path = st.lists(st.sampled_from(["..", ".", "store", "x.py", "/", "\\", "~", "C:",
                                         "//", "a/..", "%2e%2e", "\u2025", " ", "..."]),
                        min_size=1, max_size=5).map("/".join)
hostile_fields = st.sampled_from([
    'files = [{{ path = {p}, source = "files/products.json" }}]',
    'files = [{{ path = "store/x.json", source = {p} }}]',
    'commands = [{{ delete = {p} }}]',
    'commands = [{{ edit = {p}, replace = "a", with = "b" }}]',
    'models = {p}',
])


def _inside(path: Path, folder: Path) -> bool:
    import os

    return os.path.normpath(path).startswith(os.path.normpath(folder) + os.sep)


@FUZZ
@given(field=hostile_fields, value=hostile_path)
def test_a_lesson_never_yields_a_path_outside_the_sandbox_or_its_folders(field, value):
    import json

    with tempfile.TemporaryDirectory() as folder:
        lessons = Path(folder) / "lessons"
        shutil.copytree(resource_dir("lessons"), lessons)
        path = lessons / "revert-applied.toml"
        text = REAL_LESSON.decode().replace(
            'applied = "0003_change_price_field"\n',
            'applied = "0003_change_price_field"\n' + field.format(p=json.dumps(value)) + "\n", 1)
        path.write_text(text, encoding="utf-8")
        try:
            lesson = load_lesson(path)
        except LessonFileError as error:
            assert error.file == "revert-applied.toml" and error.field.startswith("start")
            return
        sandbox = Path(folder) / "sandbox"
        for extra in lesson.start.files:
            assert _inside(sandbox / extra.path, sandbox), extra.path
        for action in lesson.start.commands:
            for target in (action.delete, action.edit):
                if target:
                    assert _inside(sandbox / target, sandbox), target
        for name in lesson.start_resources():
            assert _inside(lesson.resource_path(name).resolve(), lessons.resolve()), name
