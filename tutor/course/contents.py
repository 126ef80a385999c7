"""What `tutor lessons` shows of a course, kept beside the parse cache: the course's title,
its order and chapters, and per lesson its id, title, number of steps, backends and the tools
it needs, or the problem that left it out. Listing the lessons then builds none of them.

The one rule: kept contents are used only while everything they were read from is as it
was: the course file, every lesson file and every folder a lesson's files are looked up in
(a file added or removed anywhere in it changes a folder's stat), by their stats (size,
mtime_ns, ctime_ns, inode), and the tutor's version and the code of this package that reads
a lesson. Anything else, and they are read again from the course itself. The stats are taken
before the lessons are read: a file that changes while it is read is read again next time.

This module imports none of the course's loaders (a `Course` is handed to `CourseContents.of`),
so that the lesson model can take its words for backends and tools from here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import __version__
from ..paths import resource_dir

COURSE_FILE = "course.toml"


def course_file_path(given: Path | None) -> Path:
    """The course file `--course` (or $TUTOR_COURSE) names: a folder's course.toml, the file
    itself, or (None) the shipped course's."""
    if given is None:
        return resource_dir("lessons") / COURSE_FILE
    return given / COURSE_FILE if given.is_dir() else given


def backends_named(backends: tuple[str, ...]) -> str:
    """The backends a lesson's story holds on, by name: "SQLite"."""
    from ..backends import VENDOR_NAMES

    return " and ".join(VENDOR_NAMES[b] for b in backends)


def unavailable_on(backends: tuple[str, ...], backend: str) -> str:
    """Why a lesson whose story holds on `backends` cannot be taken on `backend` ("" when it
    can; no backends: it holds on every one)."""
    from ..backends import VENDOR_NAMES

    if not backends or backend in backends:
        return ""
    return (f"it teaches what {backends_named(backends)} does, and the sandbox's database is "
            f"on {VENDOR_NAMES.get(backend, backend)}")


def tools_missing(tools: tuple[str, ...]) -> list[str]:
    """Needed programs this machine does not have: the lesson is skipped, not failed."""
    import shutil

    return [tool for tool in tools if shutil.which(tool) is None]


class LessonEntry:
    """One lesson as `tutor lessons` lists it: what its file says, never what this machine or
    the learner has (the tools missing and the backend are asked when it is shown)."""

    __slots__ = ("id", "title", "steps", "backends", "tools")

    def __init__(self, id: str, title: str, steps: int, backends: tuple[str, ...],
                 tools: tuple[str, ...]):
        self.id, self.title, self.steps = id, title, steps  # steps: how many
        self.backends, self.tools = backends, tools

    @classmethod
    def of(cls, lesson) -> LessonEntry:
        return cls(lesson.id, lesson.title, len(lesson.steps), tuple(lesson.backends),
                   tuple(lesson.tools_needed()))

    def unavailable_on(self, backend: str) -> str:
        return unavailable_on(self.backends, backend)

    def backends_named(self) -> str:
        return backends_named(self.backends)

    def tools_missing(self) -> list[str]:
        return tools_missing(self.tools)

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "steps": self.steps,
                "backends": list(self.backends), "tools": list(self.tools)}

    @classmethod
    def from_json(cls, data: dict) -> LessonEntry:
        """Raises ValueError (or KeyError, TypeError) for anything this module did not write."""
        entry = cls(data["id"], data["title"], data["steps"], tuple(data["backends"]),
                    tuple(data["tools"]))
        texts = [entry.id, entry.title, *entry.backends, *entry.tools]
        if not all(isinstance(text, str) for text in texts) or type(entry.steps) is not int:
            raise ValueError("not a lesson entry")
        return entry


class ChapterEntry:
    """A chapter of the course's path as `tutor lessons` lists it (a `Chapter` of
    course/course.py, without importing it): its id, title, promise and lessons' ids."""

    __slots__ = ("id", "title", "promise", "lessons")

    def __init__(self, id: str, title: str, promise: str, lessons: tuple[str, ...]):
        self.id, self.title, self.promise, self.lessons = id, title, promise, lessons

    @classmethod
    def of(cls, chapter) -> ChapterEntry:
        return cls(chapter.id, chapter.title, chapter.promise, tuple(chapter.lessons))

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "promise": self.promise,
                "lessons": list(self.lessons)}

    @classmethod
    def from_json(cls, data: dict) -> ChapterEntry:
        """Raises ValueError (or KeyError, TypeError) for anything this module did not write."""
        entry = cls(data["id"], data["title"], data["promise"], tuple(data["lessons"]))
        if not all(isinstance(text, str) for text in (entry.id, entry.title, entry.promise,
                                                       *entry.lessons)):
            raise ValueError("not a chapter entry")
        return entry


class CourseContents:
    """The course as `tutor lessons` lists it: its title and file, its order (every lesson's
    id, each lesson's number is its place there), its chapters (none: the course is one
    list), its lessons that load (in course order), and why each of the others was left out.

    `kept` gives the contents kept in a home while they are valid (see the module's rule);
    `of` reads them from a `Course`, and `keep` writes them for the next time."""

    def __init__(self, title: str, file: Path, lessons: list[LessonEntry],
                 left_out: list[str], stats: dict[str, list[int] | None], *,
                 order: list[str], chapters: list[ChapterEntry]):
        self.title = title
        self.file = file  # the course file, as the learner named it
        self.order = order
        self.chapters = chapters
        self.lessons = lessons
        self.left_out = left_out  # the problem of each lesson left out, in course order
        self.stats = stats  # what the contents were read from: path -> its stat (None: none)

    @classmethod
    def of(cls, course) -> CourseContents:
        """The contents of a `Course` just read (its lessons are read here, after the stats
        of what they are read from are taken)."""
        stats = _stats_of(_read_from(course))
        return cls(course.title, course.file, [LessonEntry.of(x) for x in course.lessons],
                   [problem.message for problem in course.problems], stats,
                   order=list(course.order),
                   chapters=[ChapterEntry.of(chapter) for chapter in course.chapters])

    @classmethod
    def kept(cls, path: Path | None, given: Path | None) -> CourseContents | None:
        """The contents kept at `path` for the course file `given` names, if they are valid;
        None otherwise (none kept, another course's, another version's, damaged, stale)."""
        if path is None:
            return None
        file = course_file_path(given)
        try:
            data = json.loads(path.read_bytes())
            if (data["version"] != __version__ or data["course"] != str(file.absolute())
                    or not _unchanged(data["stats"])):
                return None
            left_out, order = data["left_out"], data["order"]
            if not isinstance(data["title"], str) or not all(
                    isinstance(texts, list) and all(isinstance(text, str) for text in texts)
                    for texts in (left_out, order)):
                raise ValueError("not a list of problems or of lesson ids")
            lessons = [LessonEntry.from_json(x) for x in data["lessons"]]
            chapters = [ChapterEntry.from_json(x) for x in data["chapters"]]
            ids = set(order)
            if not ({x.id for x in lessons} <= ids and all(set(c.lessons) <= ids
                                                           for c in chapters)):
                raise ValueError("a lesson out of the course's order")
            return cls(data["title"], file, lessons, left_out, data["stats"], order=order,
                       chapters=chapters)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None  # damaged or written by something else: read the course again

    def number(self, lesson_id: str) -> int:
        """The lesson's place in the whole course, counting from 1 (as `Course.number`)."""
        return self.order.index(lesson_id) + 1

    def chapter_of(self, lesson_id: str) -> ChapterEntry | None:
        """The chapter that holds the lesson (None: the course has no chapters)."""
        return next((c for c in self.chapters if lesson_id in c.lessons), None)

    def keep(self, path: Path | None) -> None:
        """Write the contents to `path` (None: nowhere, the home is not made yet)."""
        if path is None:
            return
        from ..files import write_atomically

        data = {"version": __version__, "course": str(self.file.absolute()),
                "title": self.title, "order": self.order,
                "chapters": [chapter.to_json() for chapter in self.chapters],
                "lessons": [entry.to_json() for entry in self.lessons],
                "left_out": self.left_out, "stats": self.stats}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, json.dumps(data, indent=1) + "\n", durable=False)
        except OSError:
            pass  # contents that cannot be kept only cost time


def _stat(path: str) -> list[int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return [found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino]


def _unchanged(stats: dict[str, list[int] | None]) -> bool:
    return isinstance(stats, dict) and all(_stat(path) == kept for path, kept in stats.items())


def _stats_of(paths: list[Path]) -> dict[str, list[int] | None]:
    return {str(path): _stat(str(path)) for path in paths}


def _read_from(course) -> list[Path]:
    """Every path the course's contents depend on: the course file, each lesson's file, each
    folder (and its folders, at any depth) a lesson or its files are looked up in, the
    folder of the apps a start may add, and this package's code."""
    from .start import EXTRA_APPS_FOLDER  # (here: start.py brings the lesson model with it)

    lesson_files = [course.lesson_file(lesson_id).absolute() for lesson_id in course.order]
    folders = [*course.folders, *(file.resolve().parent for file in lesson_files),
               resource_dir("lessons"), resource_dir("sandbox_project") / EXTRA_APPS_FOLDER]
    paths = [course.file.absolute(), *lesson_files]
    for folder in dict.fromkeys(folder.absolute() for folder in folders):
        paths.append(folder)
        for inside, subfolders, _ in os.walk(folder):
            paths.extend(Path(inside) / name for name in subfolders)
    code = Path(__file__).parent
    paths.append(code)
    paths.extend(path for path in code.iterdir() if path.suffix == ".py")
    return list(dict.fromkeys(paths))
