"""The interactive `tutor start` loop: show the step and the live state, offer the menu, run the
learner's real commands, and re-check after each one. It decides nothing itself: judging is
`Workspace.check`, showing and asking is `ui`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import asking, ui
from .class_menu import HAND, RAISE_HAND, ROOM, ClassMenu
from .exceptions import TutorError
from .lesson_menu import LessonMenu
from .lessons import Lesson
from .state import SandboxState
from .tracebacks import NOTE as TRACEBACK_NOTE
from .tracebacks import TracebackFilter, worth_filtering
from .workspace import Workspace

if TYPE_CHECKING:
    from .check_report import CheckReport

MENU = [
    ("run", "Run a command in the sandbox"),
    ("check", "Check my work"),
    ("undo", "Undo the last command"),
    ("hint", "Show a hint"),
    ("solution", "Show the solution"),
    ("skip", "Skip: let the tutor do this step"),
    ("reset", "Reset this lesson"),
    ("quit", "Quit (progress is saved)"),
]
ANSWER = ("answer", "Answer the question")
# After an undo, while nothing changed since: right below "undo".
REDO = ("redo", "Redo: take back the last undo")


class Session:
    """`tutor start` for one workspace: a lesson chosen, its steps worked through at the
    menu, then the next lesson. `state` is the sandbox's state last shown (None: read it
    afresh); `tutor watch` and `tutor demo` reuse the pieces that show a change."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.state: SandboxState | None = None
        self.going_to: tuple[Lesson, int] | None = None  # the room's step, chosen
        self.class_menu = ClassMenu(workspace)  # (offers nothing outside a class)
        self.lessons = LessonMenu(workspace, self.reset)

    def run(self, lesson_id: str | None, chapter_id: str | None = None) -> None:
        """From the lesson named, the chapter named (`tutor start --chapter`), the lesson in
        progress, or the one chosen, along the course's path until the learner quits."""
        lesson = self.lessons.pick_start(lesson_id, chapter_id)
        while lesson is not None:
            missing = lesson.tools_missing()
            unavailable = lesson.unavailable_on(self.workspace.backend())
            if missing or unavailable:
                # A lesson that needs git on a machine without it, or another database than
                # the sandbox's, is skipped, not failed.
                number = self.workspace.course.number(lesson.id)
                if missing:
                    ui.show_skipped(lesson, number, missing)
                else:
                    ui.show_unavailable(lesson, number, unavailable)
                lesson = self.workspace.course.next_after(lesson.id)
                continue
            self.open(lesson)
            finished = self.work_through(lesson)
            if self.going_to is not None:  # the room's step: another lesson, or this one
                there, step = self.going_to
                self.going_to = None
                try:
                    self.reset(there, step)
                except TutorError as error:  # (a lesson this machine cannot build...)
                    ui.show_error(error)
                    continue  # back to where the learner was
                lesson = there
                continue
            if not finished:
                return
            lesson = self.lessons.after_lesson(lesson)
        ui.console.print("Bye! Your progress is saved; `tutor start` picks up from here.")

    # --- a lesson opened ----------------------------------------------------------------

    def open(self, lesson: Lesson) -> None:
        """Make `lesson` current, building its sandbox unless it is already in progress."""
        workspace = self.workspace
        progress = workspace.lesson_progress(lesson)
        # The learner's work in progress is never thrown away by starting again.
        resumable = (workspace.sandbox.lesson_id() == lesson.id
                     and progress.step < len(lesson.steps))
        ui.show_lesson_intro(lesson, workspace.course.number(lesson.id),
                             len(workspace.course.order), self.lessons.under_title(lesson))
        if not resumable:
            self.reset(lesson)
        with workspace.locked_home():
            workspace.progress.current = lesson.id
            workspace.save()

    def reset(self, lesson: Lesson, step: int = 1) -> None:
        """Build the lesson's sandbox at its start, or with `step` fast-forwarded to it."""
        doing = ("Building the sandbox with real makemigrations and migrate..." if step == 1
                 else f"Fast-forwarding {lesson.id} to step {step} with the reference "
                      "solutions...")
        with ui.working(doing):
            notes = self.workspace.reset(lesson, step=step).notes
        for note in notes:
            ui.show_warning(note)
        where = ui.literal(str(self.workspace.sandbox.path))
        ui.console.print(f"Sandbox ready at [bold]{where}[/bold]"
                         + (f", at step {step}." if step > 1 else "."))
        self.state = None

    # --- working through the steps -------------------------------------------------------

    def work_through(self, lesson: Lesson) -> bool:
        """Returns True when the lesson is finished, False when the learner quits."""
        shown_step, redraw = None, True
        while True:
            progress = self.workspace.lesson_progress(lesson)
            if progress.step >= len(lesson.steps):
                return True
            index = progress.step
            if redraw or shown_step != index:
                ui.show_step(lesson, index, lesson.steps[index])
                self.refresh_state()
                if shown_step != index:
                    self.workspace.tell_class("step_shown",
                                              {"title": lesson.steps[index].title[:500]})
                shown_step, redraw = index, False
            question = [ANSWER] if lesson.steps[index].question else []
            choice = asking.ask_choice("What would you like to do?",
                                   self.class_menu.choices(lesson, index) + question
                                   + self.menu(), takes_text=True)
            typed = ""
            if isinstance(choice, asking.Typed):
                # A command typed at the menu, as at a shell prompt: offered in the Command
                # prompt to confirm or edit, never run (nor taken for a menu choice) as it is.
                choice, typed = "run", choice.text
            if choice == "quit":
                return False
            if choice == ROOM:
                self.going_to = self.class_menu.go_to_room(lesson, index)
                if self.going_to is not None:
                    return False
                continue
            try:
                redraw = self.perform(choice, lesson, typed)
            except TutorError as error:
                ui.show_error(error)

    def perform(self, choice: str, lesson: Lesson, typed: str = "") -> bool:
        """Carry out a menu choice; True when the step and state should be shown afresh.
        `typed`: a command typed at the menu, to offer in the Command prompt."""
        workspace = self.workspace
        if choice == "answer":
            self.answer_question()
        elif choice == "run":
            self.run_command(typed)
        elif choice == "check":
            report = workspace.check()
            self.state = report.state
            ui.show_check(report)
        elif choice == "undo":
            self.undo()
            return True
        elif choice == "redo":
            self.redo()
            return True
        elif choice == "hint":
            ui.show_hint(workspace.next_hint())
        elif choice == "solution":
            ui.show_solution(workspace.show_solution())
        elif choice == "skip":
            self.after_change(workspace.solve(ui.show_action))  # (said since the last check)
        elif choice in HAND:
            self.class_menu.raise_hand(choice == RAISE_HAND[0])
        elif choice == "reset":
            if asking.ask_confirm(f"Rebuild the sandbox for {lesson.id} from its start?"):
                self.reset(lesson)
                return True
        return False

    def answer_question(self) -> None:
        step, posed = self.workspace.pose_question()
        if posed is None:
            return
        if posed.multiple:
            values = asking.ask_checkbox(posed.ask, posed.choices)  # its keys: said by ui
        else:
            values = [asking.ask_text(posed.ask)]
        ui.show_answer(self.workspace.answer(values), next_step=False)

    def run_command(self, typed: str = "") -> None:
        command = asking.ask_text("Command (run in the sandbox, e.g. python manage.py showmigrations):",
                              default=typed)
        if not command.strip():
            return
        self.workspace.remember_before_command()
        ui.console.print(f"[bold cyan]$ {ui.literal(command)}[/bold cyan]")  # typed: no markup
        errors = TracebackFilter(ui.write_error)
        try:
            status = self.workspace.sandbox.run_learner_command(
                command, errors.feed if worth_filtering(command) else None,
                on_still_running=ui.show_warning)
        except KeyboardInterrupt:
            ui.console.print("[yellow]Interrupted; you are still in the tutor.[/yellow]")
            status = None
        errors.close()
        if errors.shortened:
            ui.console.print(f"[dim]{TRACEBACK_NOTE} Run the command in a terminal of your "
                             "own (`tutor shell`) to see all of it.[/dim]")
        if status:
            ui.console.print(f"[dim](exit status {status})[/dim]")
        self.after_change(self.workspace.check(did=command, since=self.state))

    def menu(self) -> list[tuple[str, str]]:
        """The step menu: "redo" below "undo" while an undo can be redone."""
        if not self.workspace.history.redo_waiting():
            return MENU
        at = [key for key, _ in MENU].index("undo") + 1
        return MENU[:at] + [REDO] + MENU[at:]

    def undo(self) -> None:
        self.restore(redo=False)

    def redo(self) -> None:
        self.restore(redo=True)

    def restore(self, redo: bool) -> None:
        """Undo (or redo) one command: what it did, then the check of where it left the
        sandbox, said against the state the session showed last."""
        from . import timeline_view

        move = self.workspace.redo if redo else self.workspace.undo
        report = move(1, told=lambda text: ui.say(text, err=True), since=self.state)
        timeline_view.show_undone(report.done, redo=redo)
        if report.check is None:
            raise report.problem
        self.after_change(report.check, report.done.files, redo=redo)

    def after_change(self, report: CheckReport, files: list[str] | None = None,
                     redo: bool = False) -> None:
        """Say what a command changed (the check's changes, since the state the session
        showed last: none when it has shown none), show the state it left, and the check's
        verdict; `files`: after an undo (or a redo), what it did to each file (it lists them
        all)."""
        shown_before = self.state is not None
        changes = report.changes if shown_before else []
        self.state = report.state
        if files is not None:
            from . import timeline_view

            timeline_view.show_what_changed(changes, files, redo=redo)
        elif shown_before:
            ui.show_changes(changes)
        if report.passed_steps:
            # The next step is shown next, with the state table: no need to show it twice.
            ui.show_check(report, next_step=False)
            return
        ui.show_state(report.state)
        ui.show_check(report, notes=False)

    def refresh_state(self) -> None:
        try:
            self.state = self.workspace.read_state()
        except TutorError as error:
            self.state = None
            ui.show_error(error)
            return
        ui.show_state(self.state)
