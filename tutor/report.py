"""`tutor report` and `tutor class-report`: what each learner did on each step, for them and
for an instructor who must see who is stuck.

A learner's report is built from their progress file (the step records of progress.py) and
the course. `report --json` is the export an instructor collects; `class-report` reads many of
them back into one table. The export carries its format name and version and is documented in
the README; a reader refuses a version it does not know rather than guess at it.

Imported only by the commands that report (and by `--name`): nothing here costs `tutor --help`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import __version__
from .exceptions import BadLearnerName, ReportFileError
from .exports import STEP_COLUMNS, STEP_FIELDS, WHERE_COLUMNS, iso_time, to_csv
from .markup import box_table, json_text, printable, render, say
from .progress import LessonProgress, Progress, ProgressFile, StepRecord, now

if TYPE_CHECKING:
    from .lessons import Course
    from .workspace import Workspace

REPORT_FORMAT = "migration-tutor-report"
REPORT_VERSION = 1
NAME_VARIABLE = "TUTOR_NAME"
NAME_LIMIT = 80
NAME_QUESTION = "Your name, for your progress report (Enter to skip):"



# --- the learner's name ---------------------------------------------------------------------

def clean_name(text: str, source: str = "--name") -> str:
    """A name as a report shows it: one line, spaces collapsed, of a sensible length."""
    name = " ".join(text.split())
    if not name:
        raise BadLearnerName(f"{source} is empty.", "Give a name, e.g. --name 'Ada Lovelace'.")
    if len(name) > NAME_LIMIT:
        raise BadLearnerName(f"{source} is longer than {NAME_LIMIT} characters.",
                             "Give a shorter name.")
    if not name.isprintable():
        raise BadLearnerName(f"{source} holds control characters.",
                             "Give a name of letters, digits and punctuation.")
    return name


def name_from_environment() -> str | None:
    text = os.environ.get(NAME_VARIABLE, "")
    return clean_name(text, f"${NAME_VARIABLE}") if text.strip() else None


def learner_name(progress: Progress) -> str | None:
    """The name a report shows: the one given (`--name`, or at the first `tutor start`), else
    $TUTOR_NAME (set once on a classroom's machines), else none."""
    return progress.learner or name_from_environment()


def remember_learner(home: Path, name: str) -> str:
    """Keep `--name` in the progress file, whatever the command. Returns the progress file's
    warning, if it could not be read and was kept aside."""
    from .lock import home_lock
    from .paths import claim_home

    claim_home(home)
    progress_file = ProgressFile(home)
    with home_lock(home):
        progress = progress_file.load()
        if progress.learner != name:
            progress.learner = name
            progress_file.save(progress)
    return progress_file.warning


def ask_name_once(workspace: Workspace, ask: Callable[[str], str],
                  warn: Callable[[str], None]) -> None:
    """The first `tutor start` asks who the learner is, unless a name is known. Enter skips,
    and a skipped question is not asked again (`--name` still sets one later).

    The question is a line printed once, above a short prompt: a prompt's own message is
    written again when it is answered (prompt_toolkit repaints the answered prompt from its
    start), which a terminal shows in place but a transcript, a log or a screen reader gets
    twice."""
    if workspace.progress.learner is not None or name_from_environment():
        return
    name = None
    while name is None:
        say(f"[bold]{NAME_QUESTION}[/bold]")
        text = ask("Name:")
        try:
            name = clean_name(text, "The name") if text.strip() else ""
        except BadLearnerName as error:
            warn(f"{error.message} {error.advice}")
    with workspace.locked_home():
        workspace.progress.learner = name
        workspace.save()


# --- one learner's report -------------------------------------------------------------------

def learner_report(progress: Progress, course: Course, at: int | None = None) -> dict:
    """The export: every step of every lesson the learner has begun, in course order.

    `stuck_for_seconds` is set on one step only: the current, unpassed step of the current
    lesson, and it is the time worked on it so far (pauses counted as progress.py says)."""
    at = now() if at is None else at
    ongoing = progress.worked_since_last_action(at)
    steps, current = [], None
    for lesson in course.lessons:
        if lesson.id not in progress.lessons and lesson.id != progress.current:
            continue
        lesson_progress = progress.lessons.get(lesson.id, LessonProgress())
        focus = lesson.id == progress.current
        if focus:
            unfinished = lesson_progress.step < len(lesson.steps)
            current = {"lesson": lesson.id,
                       "step": lesson_progress.step + 1 if unfinished else None}
        for index, step in enumerate(lesson.steps):
            record = lesson_progress.steps.get(str(index), StepRecord())
            passed = lesson_progress.passed(index)
            is_current = focus and index == lesson_progress.step
            stuck = is_current and not passed
            spent = record.seconds + (ongoing if stuck else 0)
            steps.append({
                "lesson": lesson.id, "step": index + 1, "title": step.title,
                "current": is_current, "passed": passed,
                "started_at": iso_time(record.started_at),
                "passed_at": iso_time(record.passed_at),
                "attempts": record.checks, "answers": record.answers, "hints": record.hints,
                "solutions": record.solutions, "time_spent_seconds": spent,
                "stuck_for_seconds": spent if stuck else None,
                "fast_forwarded": record.fast_forwarded,
            })
    return {"format": REPORT_FORMAT, "version": REPORT_VERSION,
            "learner": learner_name(progress), "exported_at": iso_time(at),
            "tutor": __version__, "current": current, "steps": steps}


def print_learner_report(report: dict, form: str) -> None:
    """`form`: "json" (the export), "csv" (a row per step) or "table"."""
    if form == "json":
        sys.stdout.write(json_text(report) + "\n")  # valid JSON; no C1 or bidi control acts
    elif form == "csv":
        sys.stdout.write(to_csv(STEP_COLUMNS, _step_rows(report)))
    elif not report["steps"]:
        say(f"No progress yet{_for(report)}: `tutor start` begins.")
    else:
        headers = ["lesson", "step", "title", "passed", "attempts", "answers", "hints",
                   "solutions", "time spent", "stuck for"]
        rows = [[_cell(s["lesson"]), str(s["step"]), _cell(_short(s["title"])),
                 ("fast-forwarded" if s.get("fast_forwarded") else "yes") if s["passed"]
                 else "no", str(s["attempts"]), str(s["answers"]),
                 str(s["hints"]), str(s["solutions"]), duration(s["time_spent_seconds"]),
                 duration(s["stuck_for_seconds"])] for s in report["steps"]]
        _print_table(f"Progress{_for(report)}", headers, rows,
                     right=frozenset({1, 4, 5, 6, 7, 8, 9}))
        if not report["learner"]:
            say("No name is known: give one with `--name NAME` before exporting with --json.",
                style="dim")


def _for(report: dict) -> str:
    return f" of {_cell(report['learner'])}" if report["learner"] else ""


# --- many learners' reports -----------------------------------------------------------------

_COUNT, _TEXT, _FLAG = "a whole number >= 0", "a string", "true or false"
_STEP_KINDS = {"lesson": _TEXT, "step": _COUNT, "title": _TEXT, "current": _FLAG,
               "passed": _FLAG, "started_at": _TEXT + " or null", "passed_at": _TEXT + " or null",
               "attempts": _COUNT, "answers": _COUNT, "hints": _COUNT, "solutions": _COUNT,
               "time_spent_seconds": _COUNT, "stuck_for_seconds": _COUNT + " or null"}
_OPTIONAL_STEP_KINDS = {"fast_forwarded": _FLAG}  # added since version 1


def _fits(value, kind: str) -> bool:
    if value is None:
        return kind.endswith(" or null")
    kind = kind.removesuffix(" or null")
    if kind == _COUNT:
        return type(value) is int and value >= 0
    if kind == _FLAG:
        return type(value) is bool
    return isinstance(value, str)


def read_exported(path: Path) -> dict:
    """One learner's `tutor report --json` file, checked field by field; ReportFileError
    names the file and the first thing wrong with it."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ReportFileError(name, f"cannot be read ({error.strerror or error}).") from None
    try:
        data = json.loads(_decode(raw))
    except UnicodeDecodeError:
        raise ReportFileError(name, "is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise ReportFileError(name, f"is not JSON (line {error.lineno}: {error.msg}).") from None
    except RecursionError:
        raise ReportFileError(name, "is not a report (nested too deeply).") from None
    except ValueError as error:  # an integer of thousands of digits, which Python refuses
        raise ReportFileError(name, f"is not a report ({error}).") from None
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ReportFileError(name, "holds text that is not Unicode (a lone surrogate).") \
            from None
    if isinstance(data, dict) and "lessons" in data and "steps" not in data:
        raise ReportFileError(name, "is a progress file, not an export: export it with "
                                    "`tutor report --json > FILE`.")
    if not isinstance(data, dict) or data.get("format") != REPORT_FORMAT:
        raise ReportFileError(name, "is not a `tutor report --json` export (its \"format\" "
                                    f"is not {REPORT_FORMAT!r}).")
    if data.get("version") != REPORT_VERSION:
        raise ReportFileError(name, f"is a report of version {data.get('version')!r}; this "
                                    f"tutor reads version {REPORT_VERSION}.")
    problem = _shape_problem(data)
    if problem:
        raise ReportFileError(name, problem)
    return data


def _decode(raw: bytes) -> str:
    """UTF-8, with or without a byte-order mark; UTF-16 with one, which is what Windows
    PowerShell's `>` writes when a learner exports there."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def _shape_problem(data: dict) -> str:
    """What is wrong with an export's fields, in words; "" when nothing is."""
    for key, kind in (("learner", _TEXT + " or null"), ("exported_at", _TEXT)):
        if key not in data or not _fits(data[key], kind):
            return f"{key}: expected {kind}."
    current = data.get("current", "missing")
    if current is not None and not (isinstance(current, dict)
                                    and _fits(current.get("lesson"), _TEXT)
                                    and _fits(current.get("step"), _COUNT + " or null")):
        return "current: expected null or {\"lesson\": ..., \"step\": ...}."
    steps = data.get("steps")
    if not isinstance(steps, list):
        return "steps: expected a list."
    for number, step in enumerate(steps):
        if not isinstance(step, dict):
            return f"steps[{number}]: expected an object."
        for key, kind in _STEP_KINDS.items():
            if key not in step:
                return f"steps[{number}].{key} is missing."
            if not _fits(step[key], kind):
                return f"steps[{number}].{key}: expected {kind}."
        for key, kind in _OPTIONAL_STEP_KINDS.items():
            if key in step and not _fits(step[key], kind):
                return f"steps[{number}].{key}: expected {kind}."
    return ""


def print_class_report(paths: list[Path], all_steps: bool, as_csv: bool) -> int:
    """Read every file (a bad one is named and skipped), then one table or CSV of them all.
    Returns the exit status: 0, or 2 when a file could not be used."""
    reports, bad = [], 0
    for path in paths:
        try:
            report = read_exported(path)
        except ReportFileError as error:
            bad += 1
            say(f"[bold red]Skipped:[/bold red] {_cell(error.message)}", err=True)
            continue
        reports.append((report["learner"] or f"({path.name})", report))
    if bad:
        say(ReportFileError("", "").advice, err=True)
    if not reports:
        say("No report could be read.", err=True)
        return 2
    if all_steps:
        rows = [[learner, *_step_values(s)] for learner, report in reports
                for s in report["steps"]]
        if as_csv:
            sys.stdout.write(to_csv(STEP_COLUMNS, rows))
        else:
            by_key = [dict(zip(STEP_COLUMNS, row)) for row in rows]
            _print_table(f"{len(reports)} learner(s), every step",
                         ["learner", "lesson", "step", "title", "passed", "attempts", "hints",
                          "time spent", "stuck for"],
                         [[_cell(r["learner"]), _cell(r["lesson"]), str(r["step"]),
                           _cell(_short(r["title"])), "yes" if r["passed"] else "no",
                           str(r["attempts"]), str(r["hints"]),
                           duration(r["time_spent_seconds"]), duration(r["stuck_for_seconds"])]
                          for r in by_key], right=frozenset({2, 5, 6, 7, 8}))
    else:
        rows = sorted((where_now(learner, report) for learner, report in reports),
                      key=lambda r: (_not_stuck_last(r["stuck_for_seconds"]),
                                     r["learner"].casefold()))
        if as_csv:
            sys.stdout.write(to_csv(WHERE_COLUMNS, [[r[k] for k in WHERE_COLUMNS] for r in rows]))
        else:
            _print_table(f"{len(reports)} learner(s), where each is now (most stuck first; "
                         "stuck-for as of each export)",
                         ["learner", "lesson", "step", "title", "passed", "attempts", "hints",
                          "stuck for"],
                         [[_cell(r["learner"]), _cell(r["lesson"]), str(r["step"] or "-"),
                           _cell(_short(r["title"])), str(r["steps_passed"]),
                           _blank(r["attempts"]), _blank(r["hints"]),
                           duration(r["stuck_for_seconds"])] for r in rows],
                         right=frozenset({2, 4, 5, 6, 7}))
    return 2 if bad else 0


def where_now(learner: str, report: dict) -> dict:
    """One learner's row: their current step and what they did on it so far."""
    steps, current = report["steps"], report["current"]
    row = {"learner": learner, "lesson": "", "step": None, "title": "not started",
           "steps_passed": sum(s["passed"] for s in steps), "attempts": None, "hints": None,
           "stuck_for_seconds": None, "exported_at": report["exported_at"]}
    if current is not None:
        row["lesson"] = current["lesson"]
        row["title"] = "lesson complete"
    if current is not None and current["step"] is not None:
        row["step"] = current["step"]
        here = next((s for s in steps if s["lesson"] == current["lesson"]
                     and s["step"] == current["step"]), None)
        if here is not None:
            row.update(title=here["title"], attempts=here["attempts"], hints=here["hints"],
                       stuck_for_seconds=here["stuck_for_seconds"])
    return row


# --- output helpers -------------------------------------------------------------------------

def duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def _blank(value) -> str:
    return "-" if value is None else str(value)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _cell(text: str) -> str:
    """Text from a file (a name, a title) shown as itself: control characters (an ESC that
    would start a terminal sequence, a carriage return that would overwrite the line) are
    written escaped, and brackets that the markup renderer would take for a style become
    parentheses (escaping them would upset column widths)."""
    text = printable(text)
    if render(text, colour=False) == text:
        return text
    return text.replace("[", "(").replace("]", ")")


def _print_table(title: str, headers: list[str], rows: list[list[str]],
                 right: frozenset[int]) -> None:
    for line in box_table(title, headers, rows, right=right):
        say(line)


def _step_rows(report: dict) -> list[list]:
    return [[report["learner"], *_step_values(s)] for s in report["steps"]]


def _step_values(step: dict) -> list:
    """A step's fields in STEP_FIELDS order. An export from before `fast_forwarded` has
    none: its steps were all the learner's."""
    return [step.get(key, False) if key in _OPTIONAL_STEP_KINDS else step[key]
            for key in STEP_FIELDS]


def _not_stuck_last(stuck_for: int | None) -> int:
    """Most stuck first; one stuck for 0 seconds still before one not stuck at all."""
    return 1 if stuck_for is None else -stuck_for
