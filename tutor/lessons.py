"""The course package's names at their first address: `from .lessons import Lesson` still
works. (The package is `course/`: in an installed wheel, a `lessons/` folder beside this
module holds the shipped course's files, so the package cannot take that name.)
"""

from .course.contents import COURSE_FILE
from .course.course import Course, load_course
from .course.fields import FORMAT_VERSION, PATH_FIELDS, field_pattern, inside_path
from .course.kinds import (ALLOWANCE_FIELDS, DEFAULT_DATABASE, EXPECTATION_KINDS,
                           QUESTION_ABOUT, QUESTION_KINDS, SCALAR, SELECTOR_FIELDS,
                           ExpectationKind, Option)
from .course.lesson import Lesson
from .course.load import lesson_problems, load_lesson
from .course.model import (GIT_PREFIX, MANAGE_PREFIX, AcceptedMutant, Allowance, Expectation,
                           Explanation, Invariant, MigrationSelector, Question, SolutionAction,
                           Step)
from .course.resources import ParsedFiles, is_shipped_lesson, is_within
from .course.start import (EXTRA_APPS_FOLDER, MODELS_FOLDER, Release, Start, StartApp,
                           StartDatabase, StartFile, StartMigration, models_file)

__all__ = [
    "COURSE_FILE", "Course", "load_course", "FORMAT_VERSION", "PATH_FIELDS", "field_pattern",
    "inside_path", "ALLOWANCE_FIELDS", "DEFAULT_DATABASE", "EXPECTATION_KINDS",
    "QUESTION_ABOUT", "QUESTION_KINDS", "SCALAR", "SELECTOR_FIELDS", "ExpectationKind", "Option",
    "Lesson", "lesson_problems", "load_lesson", "GIT_PREFIX", "MANAGE_PREFIX", "AcceptedMutant",
    "Allowance", "Expectation", "Explanation", "Invariant", "MigrationSelector", "Question",
    "SolutionAction", "Step", "ParsedFiles", "is_shipped_lesson", "is_within",
    "EXTRA_APPS_FOLDER", "MODELS_FOLDER", "Release", "Start", "StartApp", "StartDatabase",
    "StartFile", "StartMigration", "models_file",
]
