"""Everything the learner sees and answers: rich renders, questionary asks.

Short messages go through `say` (plain ANSI, see markup.py); tables, panels and Markdown
through `console`, a rich Console made on first use. Nothing here decides anything.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from .markup import box_table, code_spans, prose, say

if TYPE_CHECKING:  # for annotations only: `tutor lessons` must not import the checking engine
    from .checks import Outcome
    from .exceptions import TutorError
    from .lessons import Lesson, SolutionAction, Step
    from .questions import Posed
    from .state import SandboxState
    from .workspace import AnswerReport, CheckReport, Hint


class _LazyConsole:
    """rich's Console, imported and made the first time something is printed through it."""

    _console = None

    def __getattr__(self, name):
        if _LazyConsole._console is None:
            from rich.console import Console

            _LazyConsole._console = Console(highlight=False)
        return getattr(_LazyConsole._console, name)


console = _LazyConsole()

FOCUS_APP = "store"
FOCUS_TABLE = "store_product"


# --- rendering ------------------------------------------------------------------------------

def _markdown(text: str):
    # rich.markdown pulls in a Markdown parser: only the commands that show prose pay for it.
    from rich.markdown import Markdown

    return Markdown(text.strip())


def _panel(body, title: str, **options):
    from rich.panel import Panel

    return Panel(body, title=title, title_align="left", **options)


def state_view(state: SandboxState):
    """The live state: each app's migrations (file, record), the columns of store_product, the
    other tables of the learner's apps, and the git branch when the sandbox has one."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts = []
    for app in state.apps or [FOCUS_APP]:
        migrations = Table(title=f"{app} migrations", title_justify="left", expand=False)
        migrations.add_column("migration")
        migrations.add_column("file")
        migrations.add_column("applied")
        for migration in state.app_migrations(app):
            file = "yes" if migration.on_disk else "[red]missing[/red]"
            applied = "[green][X][/green]" if migration.applied else "[ ]"
            migrations.add_row(migration.name, file, applied)
        if not state.app_migrations(app):
            migrations.add_row("(none)", "", "")
        parts.append(migrations)
    columns = state.columns(FOCUS_TABLE)
    if columns is None:
        reason = "" if state.database_exists else " (there is no database file)"
        parts.append(Text(f"Table {FOCUS_TABLE} does not exist{reason}.", style="yellow"))
    else:
        table = Table(title=f"{FOCUS_TABLE} columns ({_rows(state, FOCUS_TABLE)})",
                      title_justify="left")
        table.add_column("column")
        table.add_column("type")
        table.add_column("null")
        for column in columns:
            table.add_row(column.name, column.type, "NULL" if column.null else "NOT NULL")
        parts.append(table)
    for name in sorted(state.row_counts):
        if name != FOCUS_TABLE:
            names = ", ".join(c.name for c in state.columns(name) or [])
            parts.append(Text(f"Table {name} ({_rows(state, name)}): {names}"))
    for app, pending in state.pending_changes.items():
        if pending:
            which = "" if app == FOCUS_APP else f" for {app}"
            parts.append(Text(f"makemigrations would write{which}: " + "; ".join(pending),
                              style="yellow"))
    orphans = state.orphans()
    if orphans:
        names = ", ".join(m.key for m in orphans)
        parts.append(Text(f"Applied but no file (orphan rows): {names}", style="red"))
    for app, drift in state.schema_drift.items():
        if drift:  # the record says one thing, the database another: `--fake`, a lost row...
            parts.append(Text(f"Record and schema disagree ({app}): " + "; ".join(drift),
                              style="red"))
    if state.git_branch:
        parts.append(Text(f"git: on branch {state.git_branch}"))
    return Group(*parts)


def _rows(state: SandboxState, table: str) -> str:
    count = state.row_counts.get(table, 0)
    return f"{count} row{'s' if count != 1 else ''}"


def show_state(state: SandboxState) -> None:
    console.print(state_view(state))
    show_notes(state.notes)


def show_skipped(lesson: Lesson, number: int, missing: list[str]) -> None:
    tools = ", ".join(missing)
    console.print(f"[yellow]Skipping lesson {number}, {lesson.title} ({lesson.id}): it needs "
                  f"{tools}, which is not installed here. Install {tools} to take it.[/yellow]")


def show_lesson_intro(lesson: Lesson, number: int, total: int) -> None:
    console.print(_panel(_markdown(lesson.intro), f"Lesson {number}/{total}: {lesson.title}"))


def show_step(lesson: Lesson, index: int, step: Step) -> None:
    console.print()
    console.print(_panel(_markdown(step.goal),
                         f"Step {index + 1}/{len(lesson.steps)}: {step.title}",
                         border_style="cyan"))


def show_heading(text: str) -> None:
    """A rule across the terminal with a title: where one part of a long output begins."""
    console.print()
    console.rule(f"[bold]{text}[/bold]", align="left")


def show_outcomes(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.met:
            say(f"  [green]✓[/green] {outcome.text}")
        else:
            say(f"  [red]✗[/red] {outcome.text}")
            say(f"      {outcome.detail}", style="yellow")


def show_notes(notes: list[str]) -> None:
    for note in notes:
        say(f"[yellow]Note:[/yellow] {note}")


def show_check(report: CheckReport, notes: bool = True, next_step: bool = True) -> None:
    """The verdict; `notes=False` where the state (and so its notes) was just shown;
    `next_step=False` where a step passed and the session is about to show the next one."""
    lesson = report.lesson
    if notes:
        show_notes(report.state.notes)
    for index in report.passed_steps:
        step = lesson.steps[index]
        say(f"[bold green]Step {index + 1} passed:[/bold green] {step.title}")
        for line in prose(step.explanation):
            say(line)
    if report.lesson_complete:
        say(f"[bold green]Lesson complete:[/bold green] {lesson.title}")
        return
    if report.passed_steps and not next_step:
        return
    step = lesson.steps[report.step_index]
    say(f"[bold]Not yet[/bold] (step {report.step_index + 1}: {step.title}):")
    show_outcomes(report.result.outcomes)
    if report.orientation:
        say(report.orientation, style="cyan")


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
        say(f"  • {line}")


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
        print(shorten_traceback(output.rstrip()), flush=True)
    if status != 0 and not action.fails:
        say(f"(exit status {status})", style="red")
    elif status != 0:
        say(f"(exit status {status}: it fails, as this step means to show)", style="dim")


def write_error(text: str) -> None:
    """A command's standard error, passed on as it comes."""
    sys.stderr.write(text)
    sys.stderr.flush()


def show_error(error: TutorError) -> None:
    say(f"[bold red]Error:[/bold red] {error.message}", err=True)
    if error.advice:
        say(error.advice, err=True)


def show_warning(text: str) -> None:
    say(f"[yellow]Note:[/yellow] {text}", err=True)


def show_lessons_table(rows: list[tuple[int, Lesson, str]]) -> None:
    lines = box_table("migration tutor: the course", ["#", "lesson", "title", "steps", "progress"],
                      [[str(number), lesson.id, lesson.title, str(len(lesson.steps)), progress]
                       for number, lesson, progress in rows], right=frozenset({0, 3}))
    for line in lines:
        say(line)


# --- asking ---------------------------------------------------------------------------------

class Cancelled(Exception):
    """The learner pressed Ctrl-C or Ctrl-D at a prompt."""


def _answer(question):
    answer = question.ask()  # questionary returns None on Ctrl-C
    if answer is None:
        raise Cancelled()
    return answer


def ask_choice(message: str, choices: list[tuple[str, str]]) -> str:
    """Pick one of (value, label) choices; returns the value."""
    import questionary

    return _answer(questionary.select(
        message, choices=[questionary.Choice(label, value=value) for value, label in choices]))


def ask_checkbox(message: str, choices: list[str]) -> list[str]:
    import questionary

    return _answer(questionary.checkbox(message, choices=choices))


def ask_text(message: str) -> str:
    import questionary

    return _answer(questionary.text(message))


def ask_confirm(message: str, default: bool = True) -> bool:
    import questionary

    return _answer(questionary.confirm(message, default=default))


def ask_key(message: str, keys: dict[str, str]) -> str:
    """Wait for one key press among `keys` (prompt_toolkit key names, e.g. "enter", to the
    value returned); other keys are ignored, Ctrl-C and Ctrl-D cancel. No Enter is needed
    after a letter: an instructor at a projector presses one key."""
    from prompt_toolkit.application import Application
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import FormattedTextControl, Layout, Window

    bindings = KeyBindings()
    for key, value in keys.items():
        bindings.add(key)(lambda event, value=value: event.app.exit(result=value))
    for key in ("c-c", "c-d"):
        bindings.add(key)(lambda event: event.app.exit(result=None))
    prompt = Window(FormattedTextControl([("bold", message + " ")]), height=1)
    answer = Application(layout=Layout(prompt), key_bindings=bindings).run()
    if answer is None:
        raise Cancelled()
    return answer
