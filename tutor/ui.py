"""Everything the learner sees: rich renders (what the learner answers is asking.py's).

Short messages go through `say` (plain ANSI, see markup.py); tables, panels and Markdown
through `console`, a rich Console made on first use. In plain mode (plain.py) the same
functions show no colour, box or spinner. Nothing here decides anything.

Names and values read from the sandbox are data: put in a table as `literal` (no style tag
acts, no control character), in a `Text` through `visible`. Behind that, both ways to the
terminal show any control character left as an escape: `say` in markup.py, and the console
in every piece of text it renders (`_VisibleConsole`), so that only the renderers' own style
codes act.
"""

from __future__ import annotations

import functools
import sys
from contextlib import nullcontext
from typing import TYPE_CHECKING

from . import plain
from .markup import box_table, code_spans, listed, literal, prose, say, visible

if TYPE_CHECKING:  # for annotations only: `tutor lessons` must not import the checking engine
    from .checks import Outcome
    from .exceptions import TutorError
    from .course.contents import LessonEntry
    from .lessons import Lesson, SolutionAction, Step
    from .questions import Posed
    from .state import ReleaseRun, SandboxState
    from .check_report import AnswerReport, CheckReport
    from .solving import Hint


class _LazyConsole:
    """rich's Console, imported and made the first time something is printed through it (one
    for each mode: a test's process prints in both)."""

    _consoles: dict = {}

    def __getattr__(self, name):
        plainly = plain.on()
        if plainly not in _LazyConsole._consoles:
            _LazyConsole._consoles[plainly] = _visible_console(plainly)
        return getattr(_LazyConsole._consoles[plainly], name)


def _visible_console(plainly: bool = False):
    """rich's Console, except that no text it renders carries a control character: a string
    is made `visible` before its markup is read, and every segment of text (not rich's own
    control segments: cursor moves, its style codes are added after) after rendering.
    `plainly`: no style codes, every box and rule in ASCII (as rich draws them for a terminal
    that is not UTF-8), a dash for a bullet."""
    from rich.console import Console
    from rich.segment import Segment

    class VisibleConsole(Console):
        def render_str(self, text, **options):
            return super().render_str(visible(text), **options)

        def render(self, renderable, options=None):
            for segment in super().render(renderable, options):
                if plainly and segment.text == " • ":  # a Markdown list's bullet: a dash
                    yield Segment(" - ", segment.style)
                elif segment.control or segment.text.isprintable():
                    yield segment
                else:
                    yield Segment(visible(segment.text), segment.style, segment.control)

        @property
        def encoding(self) -> str:
            return "ascii" if plainly else Console.encoding.fget(self)

    return VisibleConsole(highlight=False, **({"color_system": None} if plainly else {}))


console = _LazyConsole()

# --- rendering ------------------------------------------------------------------------------

def _markdown(text: str):
    # rich.markdown pulls in a Markdown parser: only the commands that show prose pay for it.
    return _lesson_markdown()(text.strip())


@functools.cache
def _lesson_markdown():
    """rich's Markdown, but for its code blocks: rich pads each with a blank line above and
    below, inside the blank line that already parts it from the text around it, so that a
    lesson's code stood between two blank lines each side. Here, a margin at its sides only."""
    from rich.markdown import CodeBlock, Markdown
    from rich.syntax import Syntax

    class TightCodeBlock(CodeBlock):
        def __rich_console__(self, console, options):
            yield Syntax(str(self.text).rstrip(), self.lexer_name, theme=self.theme,
                         word_wrap=True, padding=(0, 1))

    class LessonMarkdown(Markdown):
        elements = {**Markdown.elements, "fence": TightCodeBlock, "code_block": TightCodeBlock}

    return LessonMarkdown


def _panel(body, title: str, **options):
    if plain.on():  # a title line, then the text: no frame for a screen reader to read out
        from rich.console import Group

        under = options.get("subtitle")  # (a lesson's chapter and length: said, not drawn)
        return Group(f"[bold]{title}[/bold]", *([under] if under else []), body)
    from rich.panel import Panel

    return Panel(body, title=title, title_align="left", **options)


def show_state(state: SandboxState) -> None:
    from .state_view import state_view

    console.print(state_view(state))
    show_notes(state.notes)


def show_skipped(lesson: Lesson, number: int, missing: list[str]) -> None:
    tools = ", ".join(missing)
    console.print(f"[yellow]Skipping lesson {number}, {literal(lesson.title)} ({lesson.id}): "
                  f"it needs {tools}, which is not installed here. Install {tools} to take "
                  "it.[/yellow]")


def show_unavailable(lesson: Lesson, number: int, reason: str) -> None:
    console.print(f"[yellow]Skipping lesson {number}, {literal(lesson.title)} ({lesson.id}): "
                  f"{literal(reason)}. {literal(lesson.where_to_take())}[/yellow]")


def show_lesson_intro(lesson: Lesson, number: int, total: int, under: str = "") -> None:
    """The lesson's intro in a panel titled with its place in the course; `under` (markup),
    at the panel's foot: its chapter and length (path_view.chapter_line)."""
    console.print(_panel(_markdown(lesson.intro),
                         f"Lesson {number}/{total}: {literal(lesson.title)}",
                         subtitle=under or None, subtitle_align="left"))


def show_step(lesson: Lesson, index: int, step: Step) -> None:
    console.print()
    console.print(_panel(_markdown(step.goal),
                         f"Step {index + 1}/{len(lesson.steps)}: {literal(step.title)}",
                         border_style="cyan"))


def show_heading(text: str) -> None:
    """A rule across the terminal with a title: where one part of a long output begins."""
    console.print()
    if plain.on():  # (a rule is a line of dashes, for a screen reader to read out)
        return console.print(f"[bold]{text}[/bold]")
    console.rule(f"[bold]{text}[/bold]", align="left")


def working(doing: str):
    """While something takes a while: a spinner saying `doing`, or in plain mode the line."""
    if plain.on():
        say(doing)
        return nullcontext()
    return console.status(doing)


def show_outcomes(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.met:
            say(f"  [green]{plain.mark('met')}[/green] {outcome.text}")
        elif outcome.pending:  # decided once the rest holds: not a fault of the learner's
            say(f"  [dim]{plain.mark('pending')} {outcome.text} (checked once the rest of "
                "this step holds)[/dim]")
        else:
            say(f"  [red]{plain.mark('unmet')}[/red] {outcome.text}")
            say(f"      {outcome.detail}", style="yellow")


def show_running_release(run: ReleaseRun) -> None:
    """The release running on the lesson's production, as the tutor just ran it."""
    from .checks import release_failures

    if run.ref:
        where = literal(f"The code on branch {run.ref}, running on {run.database},")
    else:
        where = literal(f"The running release {run.name}, on {run.database},")
    if run.works:
        say(f"[dim]{where} works: it {literal(listed(list(run.does)))}.[/dim]")
    else:
        say(f"[bold red]{where} broke:[/bold red] "
            + literal("; ".join(release_failures(run))) + ".")


def show_notes(notes: list[str]) -> None:
    for note in notes:
        say(f"[yellow]Note:[/yellow] {note}")


def show_check(report: CheckReport, notes: bool = True, next_step: bool = True) -> None:
    """The verdict; `notes=False` where the state (and so its notes) was just shown;
    `next_step=False` where a step passed and the session is about to show the next one."""
    lesson = report.lesson
    if notes:
        show_notes(report.state.notes)
    if report.running_release is not None:
        show_running_release(report.running_release)
    for index in report.passed_steps:
        step = lesson.steps[index]
        say(f"[bold green]Step {index + 1} passed:[/bold green] {step.title}")
        for failure in report.verdict.broke.get(index, {}).values():
            say(f"[bold yellow]While you were on this step, the tutor saw "
                f"{literal(failure)}.[/bold yellow] On a live site, requests failed then.")
        for line in prose(report.explanation(index)):
            say(line)
    if report.broken_since:
        # Completed before, but the live sandbox no longer holds the last step.
        step = lesson.steps[report.step_index]
        say(f"[bold yellow]You completed this lesson, but the sandbox has changed since:"
            f"[/bold yellow] step {report.step_index + 1} ({step.title}) no longer holds. "
            f"`tutor reset {lesson.id}` starts it over.")
        show_outcomes(report.result.outcomes)
        return
    if report.lesson_complete:
        say(f"[bold green]Lesson complete:[/bold green] {lesson.title}")
        return
    if report.passed_steps and not next_step:
        return
    step = lesson.steps[report.step_index]
    say(f"[bold]Not yet[/bold] (step {report.step_index + 1}: {step.title}):")
    show_outcomes(report.result.outcomes)
    if report.where:
        say(report.where, style="cyan")


def show_question(posed: Posed) -> None:
    say(f"[bold]Question:[/bold] {posed.ask}")
    if posed.choices:
        say("Choices: " + ", ".join(posed.choices))
    say(posed.answer_hint(), style="dim")


def show_answer(report: AnswerReport, next_step: bool = True) -> None:
    """`next_step=False` in the session, which shows the next step itself."""
    if not report.right:
        say(f"[bold red]Not right.[/bold red] {report.detail}")
        return
    say("[bold green]Right.[/bold green]")
    if report.check is not None:
        show_check(report.check, next_step=next_step)


def show_changes(lines: list[str]) -> None:
    if not lines:
        say("Nothing changed in the migrations, schema or rows.", style="dim")
        return
    say("[bold]What changed:[/bold]")
    for line in lines:
        say(f"  {plain.mark('bullet')} {line}")


def show_history(lesson: Lesson, points: list) -> None:
    import time

    from .history import UNNAMED

    if not points:
        say(f"No history yet for {lesson.id}: it starts with the first command or check "
            "after a reset.", style="dim")
        return
    say(f"[bold]{lesson.id}[/bold]: what `tutor undo` can go back to, newest last")
    for position, point in enumerate(points):
        when = time.strftime("%H:%M:%S", time.localtime(point.at))
        what = literal(point.did) if point.did else UNNAMED
        step = ("lesson done" if point.step >= len(lesson.steps)
                else f"step {point.step + 1}")
        back = len(points) - 1 - position
        undo = f"tutor undo {back}" if back else "now"
        say(f"  {when}  {what}  [dim]({step}; {undo})[/dim]")
        for change in point.changes:
            say(f"            {plain.mark('bullet')} {literal(change)}")
        for number in point.passed:
            say(f"            [green]{plain.mark('passed')} step {number} passed[/green]")


def show_hint(hint: Hint) -> None:
    say(f"[bold magenta]Hint {hint.number}/{hint.total}:[/bold magenta] {code_spans(hint.text)}")
    if hint.number == hint.total:
        say("That is the last hint; `tutor solve` shows the way.", style="dim")


def show_solution(step: Step) -> None:
    say("[bold]The reference solution:[/bold]")
    for action in step.solution:
        say(f"  $ {action.describe()}")


def show_action(action: SolutionAction, status: int, output: str) -> None:
    from .tracebacks import shorten_traceback

    say(f"$ {action.describe()}", style="bold cyan")
    if output.strip():
        # The output names the sandbox's migrations and tables: shown, never acted on.
        print(visible(shorten_traceback(output.rstrip())), flush=True)
    if status != 0 and not action.fails:
        say(f"(exit status {status})", style="red")
    elif status != 0:
        say(f"(exit status {status}: it fails, as this step means to show)", style="dim")


def write_error(text: str) -> None:
    """A command's standard error, passed on as it comes, with its control characters shown
    (it names the sandbox's migrations and tables)."""
    sys.stderr.write(visible(text))
    sys.stderr.flush()


def show_error(error: TutorError) -> None:
    # A message names paths, commands and lesson text, none of them markup of ours.
    say(f"[bold red]Error:[/bold red] {literal(error.message)}", err=True)
    if error.advice:
        say(literal(error.advice), err=True)


def show_warning(text: str) -> None:
    say(f"[yellow]Note:[/yellow] {literal(text)}", err=True)


def show_lessons_table(rows: list[tuple[int, LessonEntry, str]], caption: str = "") -> None:
    """Lessons with their number in the course, length, typical time and progress."""
    from .course.chapters import typical_minutes

    lines = box_table(caption, ["#", "lesson", "title", "steps", "time (estimate)", "progress"],
                      [[str(number), lesson.id, lesson.title, str(lesson.steps),
                        f"~{typical_minutes(lesson.steps)} min", progress]
                       for number, lesson, progress in rows], right=frozenset({0, 3, 4}))
    for line in lines:
        say(line)
