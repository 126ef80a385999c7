"""The course: its lessons in order, each read when first needed, from an instructor's
folder first and then the shipped one; a course file's order is checked when it is read.
The order is a path of chapters (`Chapter`), or one plain list of lessons.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..exceptions import CourseFileError, LessonFileError, UnknownLesson
from ..markup import printable
from ..paths import resource_dir
from .contents import COURSE_FILE, course_file_path
from .fields import LESSON_ID, Fields
from .lesson import Lesson
from .load import load_lesson
from .resources import ParsedFiles, resource_folders


@dataclass(frozen=True)
class Chapter:
    """A part of the course's path: a title, the one line it promises the learner, and its
    lessons in order. A course's chapters hold each of its lessons once."""

    id: str
    title: str
    promise: str
    lessons: tuple[str, ...]

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "promise": self.promise,
                "lessons": list(self.lessons)}


class Course:
    """The lessons in course order. Each lesson file is read when first needed, so a command
    about one lesson never pays for parsing (or is stopped by) the others.

    A lesson is looked up in each of `folders` in turn (an instructor's own lessons first,
    then the shipped ones). With `chapters`, the order is theirs, chapter after chapter."""

    def __init__(self, folders: Path | list[Path], order: list[str],
                 parsed: ParsedFiles | None = None, *, title: str = "",
                 file: Path | None = None, chapters: list[Chapter] | None = None,
                 assumes: tuple[str, ...] = ()):
        self.folders = [folders] if isinstance(folders, Path) else list(folders)
        self.order = list(order)
        self.chapters = list(chapters or [])
        # The ideas its learners know before its first lesson (see lint_ideas.py).
        self.assumes = assumes
        self.parsed = parsed
        self.title = title
        self.file = file  # the course file read, if any
        self._loaded: dict[str, Lesson | LessonFileError] = {}
        # The backend each lesson is told for (see `Lesson.as_told_on`); set by the workspace, which
        # knows where the sandbox's database is (None: as on SQLite).
        self.backend_of: Callable[[str], str] | None = None

    def lesson_file(self, lesson_id: str) -> Path:
        """The file that holds the lesson: the first folder that has one wins."""
        candidates = [folder / f"{lesson_id}.toml" for folder in self.folders]
        return next((path for path in candidates if path.is_file()), candidates[0])

    def _load(self, lesson_id: str) -> Lesson | LessonFileError:
        if lesson_id not in self._loaded:
            try:
                self._loaded[lesson_id] = load_lesson(self.lesson_file(lesson_id), self.parsed)
            except LessonFileError as problem:
                self._loaded[lesson_id] = problem
        loaded = self._loaded[lesson_id]
        if isinstance(loaded, Lesson) and loaded.tellings and self.backend_of is not None:
            return loaded.as_told_on(self.backend_of(lesson_id))
        return loaded

    def get(self, lesson_id: str) -> Lesson:
        if lesson_id not in self.order:
            raise UnknownLesson(lesson_id, self.order)
        loaded = self._load(lesson_id)
        if isinstance(loaded, LessonFileError):
            raise loaded
        return loaded

    @property
    def lessons(self) -> list[Lesson]:
        """Every lesson that loads, in course order."""
        return [x for x in map(self._load, self.order) if isinstance(x, Lesson)]

    @property
    def problems(self) -> list[LessonFileError]:
        """Lesson files that could not be loaded; the rest of the course works without them."""
        return [x for x in map(self._load, self.order) if isinstance(x, LessonFileError)]

    @property
    def ids(self) -> list[str]:
        return [lesson.id for lesson in self.lessons]

    def first(self) -> Lesson | None:
        for lesson_id in self.order:
            loaded = self._load(lesson_id)
            if isinstance(loaded, Lesson):
                return loaded
        return None

    def next_after(self, lesson_id: str) -> Lesson | None:
        for following in self.order[self.order.index(lesson_id) + 1:]:
            loaded = self._load(following)
            if isinstance(loaded, Lesson):
                return loaded
        return None

    def number(self, lesson_id: str) -> int:
        """The lesson's place in the course, counting from 1."""
        return self.order.index(lesson_id) + 1

    def chapter_of(self, lesson_id: str) -> Chapter | None:
        """The chapter that holds the lesson (None: the course has no chapters)."""
        return next((c for c in self.chapters if lesson_id in c.lessons), None)


def load_course(course_file: Path | None = None, cache: Path | None = None) -> Course:
    """Read a course file: the shipped `lessons/course.toml` by default, an instructor's own
    file, or a folder's `course.toml`. Lessons are read as they are needed (parsed ones from
    `cache`, a JSON file, while they are unchanged).

    A course file has `format`, either `order` (lesson ids) or `chapters` (each with an `id`,
    a `title`, a one-line `promise` and its `lessons`, the path in order), and optionally
    `title`, `lessons_dir` (relative to the course file; default: the course file's own
    folder) and `assumes` (the ideas its learners know before its first lesson, as lessons'
    `needs` name them). Lessons are looked up in lessons_dir first, then among the shipped
    ones.
    """
    parsed = ParsedFiles(cache)
    shipped = resource_dir("lessons")
    given, course_file = course_file, course_file_path(course_file)
    # (a newline in the path cannot fake a line)
    name = COURSE_FILE if given is None else printable(str(course_file))
    if not course_file.is_file():
        raise CourseFileError(name, "", "the file does not exist")
    try:
        data = parsed.read(course_file)
    except LessonFileError as problem:
        raise CourseFileError(name, problem.field, problem.problem) from None
    reader = Fields(data, name, error=CourseFileError)
    reader.require_format()
    title = reader.get("title", str, default="")
    lessons_dir = reader.get("lessons_dir", str, default="")
    assumes = reader.ideas("assumes")
    if "chapters" in data and "order" in data:
        raise CourseFileError(name, "order", "give `order` or `chapters`, not both: with "
                                             "chapters, the order is theirs")
    if "chapters" in data:
        chapters = _read_chapters(reader.get("chapters", list), name)
        order, where = [i for c in chapters for i in c.lessons], _place_in_chapters(chapters)
    else:
        chapters, order = [], reader.get("order", list)
        where = [f"order[{i}]" for i in range(len(order))]
    reader.finish()
    own = course_file.parent / lessons_dir
    if not own.is_dir():
        raise CourseFileError(name, "lessons_dir", f"there is no folder {own}")
    folders = resource_folders(own, shipped)
    _check_order(order, folders, shipped, name, where)
    return Course(folders, order, parsed, title=title, file=course_file, chapters=chapters,
                  assumes=assumes)


def _read_chapters(tables: list, name: str) -> list[Chapter]:
    """The course file's chapters, each a table with its id, title, promise and lessons."""
    if not tables:
        raise CourseFileError(name, "chapters", "must list at least one chapter")
    chapters: list[Chapter] = []
    for i, table in enumerate(tables):
        where = f"chapters[{i}]"
        if not isinstance(table, dict):
            raise CourseFileError(name, where, "must be a table ([[chapters]])")
        reader = Fields(table, name, where, error=CourseFileError)
        chapter_id = reader.get("id", str)
        if not LESSON_ID.fullmatch(chapter_id):
            raise CourseFileError(name, f"{where}.id", f"{printable(chapter_id)!r} is not an "
                                                       "id: letters, digits, `-`, `_` and `.`")
        if chapter_id.isdigit():
            raise CourseFileError(name, f"{where}.id", f"{chapter_id!r} is a number: "
                                                       "`--chapter N` takes a chapter's number, "
                                                       "so an id must hold a letter")
        if chapter_id in {c.id for c in chapters}:
            raise CourseFileError(name, f"{where}.id", f"{chapter_id!r} is used twice")
        title, promise = reader.get("title", str), reader.get("promise", str)
        for field, text in (("title", title), ("promise", promise)):
            if not text.strip() or "\n" in text.strip():
                raise CourseFileError(name, f"{where}.{field}", "must be one line of text")
        lessons = reader.get("lessons", list)
        if not lessons:
            raise CourseFileError(name, f"{where}.lessons", "must list at least one lesson")
        reader.finish()
        chapters.append(Chapter(chapter_id, title.strip(), promise.strip(), tuple(lessons)))
    return chapters


def _place_in_chapters(chapters: list[Chapter]) -> list[str]:
    """Where each lesson of the path is named in the course file, for its messages."""
    return [f"chapters[{i}].lessons[{j}]" for i, chapter in enumerate(chapters)
            for j in range(len(chapter.lessons))]


def _check_order(order: list, folders: list[Path], shipped: Path, name: str,
                 fields: list[str]) -> None:
    """Every id names a lesson file in one of the folders, once: a typo in a workshop's course
    file is caught when the tutor starts, not when the class reaches that lesson. `fields`:
    the field that names each (`order[1]`, `chapters[0].lessons[1]`)."""
    if not order:
        raise CourseFileError(name, "order", "must list at least one lesson")
    seen: set[str] = set()
    for i, lesson_id in enumerate(order):
        if not isinstance(lesson_id, str):
            raise CourseFileError(name, fields[i], "must be a lesson id (a string)")
        if not LESSON_ID.fullmatch(lesson_id) or ".." in lesson_id:
            raise CourseFileError(name, fields[i], f"{lesson_id!r} is not a lesson id: "
                                                       "letters, digits, `-`, `_` and `.` (no "
                                                       "`..` and no `/`), the name of a file "
                                                       "in the lessons folder")
        if lesson_id in seen:
            raise CourseFileError(name, fields[i], f"{lesson_id!r} is listed twice")
        seen.add(lesson_id)
        if not any((folder / f"{lesson_id}.toml").is_file() for folder in folders):
            import difflib

            known = sorted({path.stem for folder in folders for path in folder.glob("*.toml")}
                           - {Path(COURSE_FILE).stem})
            close = difflib.get_close_matches(lesson_id, known, n=3, cutoff=0.4)
            where = " nor ".join("among the shipped lessons" if folder == shipped
                                 else f"in {folder}" for folder in folders)
            raise CourseFileError(
                name, fields[i],
                f"there is no lesson {lesson_id!r} ({lesson_id}.toml) {where}"
                + (f"; did you mean {', '.join(close)}?" if close else ""))
