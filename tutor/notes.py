"""`tutor notes`: a take-home sheet in Markdown of the lessons the learner worked on, from the
journal (`journal.py`): the commands they ran in order, each with what it changed and the
step it passed (with the lesson's explanation of it), and the mistakes undone on the way.
Plain Markdown that a code host renders: headings, lists, code spans and quotes; every
control character in it (a name read from the sandbox can hold ESC or BEL) shown as an
escape."""

from __future__ import annotations

import re
import time

from .history import UNNAMED
from .lessons import Course
from .markup import visible
from .progress import Progress

_SPECIAL = re.compile(r"([\\`*_\[\]<])")


def plain(text: str) -> str:
    """Text that Markdown shows as it is (a column name's underscores stay underscores)."""
    return _SPECIAL.sub(r"\\\1", text)


def code(text: str) -> str:
    """A code span that holds `text` whatever backticks it has."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def quoted(text: str, indent: str) -> list[str]:
    return [f"{indent}> {line}".rstrip() for line in text.strip().splitlines()]


def render(course: Course, progress: Progress, entries: list[dict]) -> str:
    learner = progress.learner or ""
    lines = [f"# Undoing Django migrations: notes{' of ' + plain(learner) if learner else ''}",
             "", f"Written by migration tutor on {time.strftime('%Y-%m-%d')}, from what "
             "was really done in its sandbox.", ""]
    by_lesson: dict[str, list[dict]] = {}
    for entry in entries:
        by_lesson.setdefault(entry["lesson"], []).append(entry)
    shown = [lesson for lesson in course.lessons if lesson.id in by_lesson]
    if not shown:
        lines += ["Nothing done yet: `tutor start` begins the first lesson.", ""]
        return "\n".join(lines)
    for lesson in shown:
        done = progress.of(lesson.id).completed if lesson.id in progress.lessons else False
        number = course.number(lesson.id)
        lines += [f"## {number}. {plain(lesson.title)}{'' if done else ' (not finished)'}", "",
                  plain(lesson.summary), ""]
        lines += _lesson_lines(by_lesson[lesson.id])
    # Names and rows from the sandbox: a terminal that shows the sheet acts on none of them.
    return visible("\n".join(lines).rstrip() + "\n")


def _lesson_lines(entries: list[dict]) -> list[str]:
    lines: list[str] = []
    for entry in entries:
        kind = entry.get("kind")
        if kind == "reset":
            step = entry.get("step", 1)
            lines += ["- Reset to the lesson's start"
                      + (f", fast-forwarded to step {step}" if isinstance(step, int)
                         and step > 1 else "") + ".", ""]
        elif kind == "undo":
            undone = [d for d in entry.get("undone", []) if isinstance(d, str)]
            said = ", ".join(code(d) if d else UNNAMED
                             for d in undone) or "nothing"
            lines += [f"- **Undone** (a mistake taken back): {said}.", ""]
        elif kind in ("command", "answer"):
            changes = [c for c in entry.get("changes", []) if isinstance(c, str)]
            if kind == "answer":
                answer = [a for a in entry.get("answer", []) if isinstance(a, str)]
                lines.append(f"- Answered the question \"{plain(str(entry.get('question')))}\": "
                             + (", ".join(map(code, answer)) or "none of them"))
            else:
                did = entry.get("did")
                lines.append("- " + (code(did) if isinstance(did, str) and did
                                     else UNNAMED[0].upper() + UNNAMED[1:]))
            for change in changes:
                lines.append(f"  - {plain(change)}")
            if not changes and kind == "command":
                lines.append("  - nothing changed in the migrations, schema or rows")
            for passed in entry.get("passed", []):
                if not isinstance(passed, dict):
                    continue
                lines.append(f"  - **Passed step {passed.get('step')}: "
                             f"{plain(str(passed.get('title', '')))}**")
                explanation = passed.get("explanation")
                if isinstance(explanation, str) and explanation.strip():
                    lines += quoted(explanation, "    ")
            lines.append("")
    return lines
