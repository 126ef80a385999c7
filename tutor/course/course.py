"""The course: its lessons in order, each read when first needed, from an instructor's
folder first and then the shipped one; a course file's order is checked when it is read.
"""

from __future__ import annotations

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


class Course:
    """The lessons in course order. Each lesson file is read when first needed, so a command
    about one lesson never pays for parsing (or is stopped by) the others.

    A lesson is looked up in each of `folders` in turn (an instructor's own lessons first,
    then the shipped ones)."""

    def __init__(self, folders: Path | list[Path], order: list[str],
                 parsed: ParsedFiles | None = None, *, title: str = "",
                 file: Path | None = None):
        self.folders = [folders] if isinstance(folders, Path) else list(folders)
        self.order = list(order)
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


def load_course(course_file: Path | None = None, cache: Path | None = None) -> Course:
    """Read a course file: the shipped `lessons/course.toml` by default, an instructor's own
    file, or a folder's `course.toml`. Lessons are read as they are needed (parsed ones from
    `cache`, a JSON file, while they are unchanged).

    A course file has `format`, `order` (lesson ids), and optionally `title` and `lessons_dir`
    (relative to the course file; default: the course file's own folder). Lessons are looked
    up in lessons_dir first, then among the shipped ones.
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
    order = reader.get("order", list)
    reader.finish()
    own = course_file.parent / lessons_dir
    if not own.is_dir():
        raise CourseFileError(name, "lessons_dir", f"there is no folder {own}")
    folders = resource_folders(own, shipped)
    _check_order(order, folders, shipped, name)
    return Course(folders, order, parsed, title=title, file=course_file)


def _check_order(order: list, folders: list[Path], shipped: Path, name: str) -> None:
    """Every id names a lesson file in one of the folders, once: a typo in a workshop's course
    file is caught when the tutor starts, not when the class reaches that lesson."""
    if not order:
        raise CourseFileError(name, "order", "must list at least one lesson")
    seen: set[str] = set()
    for i, lesson_id in enumerate(order):
        if not isinstance(lesson_id, str):
            raise CourseFileError(name, f"order[{i}]", "must be a lesson id (a string)")
        if not LESSON_ID.fullmatch(lesson_id) or ".." in lesson_id:
            raise CourseFileError(name, f"order[{i}]", f"{lesson_id!r} is not a lesson id: "
                                                       "letters, digits, `-`, `_` and `.` (no "
                                                       "`..` and no `/`), the name of a file "
                                                       "in the lessons folder")
        if lesson_id in seen:
            raise CourseFileError(name, f"order[{i}]", f"{lesson_id!r} is listed twice")
        seen.add(lesson_id)
        if not any((folder / f"{lesson_id}.toml").is_file() for folder in folders):
            import difflib

            known = sorted({path.stem for folder in folders for path in folder.glob("*.toml")}
                           - {Path(COURSE_FILE).stem})
            close = difflib.get_close_matches(lesson_id, known, n=3, cutoff=0.4)
            where = " nor ".join("among the shipped lessons" if folder == shipped
                                 else f"in {folder}" for folder in folders)
            raise CourseFileError(
                name, f"order[{i}]",
                f"there is no lesson {lesson_id!r} ({lesson_id}.toml) {where}"
                + (f"; did you mean {', '.join(close)}?" if close else ""))
