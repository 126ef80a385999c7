"""`tutor start --demo`: the instructor's walk-through, for a projector. Each step's goal and
the live state are shown; at a key press the step's reference solution runs with real
commands, and what changed and the state after are shown, as `tutor start` shows a learner's
own command. The showing is the session's (`Session.after_change`, `Session.reset`); this
module only decides the order and waits for the key.
"""

from __future__ import annotations

from . import asking, ui
from .lessons import Lesson
from .session import Session
from .workspace import Workspace

GO, QUIT = "go", "quit"
KEYS = {"enter": GO, "q": QUIT, "Q": QUIT}


class Demo:
    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.session = Session(workspace)

    def run(self, lesson_id: str | None) -> None:
        """Present LESSON (default: the current one), then, at a key press, the ones after."""
        course = self.workspace.course
        lesson = course.get(lesson_id) if lesson_id else self.workspace.current_lesson()
        while lesson is not None and self.present(lesson):
            following = course.next_after(lesson.id)
            if following is None:
                ui.say("[bold]That was the last lesson of the course.[/bold]")
                return
            if self.wait(f"Press Enter for the next lesson, {following.title}; q quits.") == QUIT:
                break
            lesson = following
        ui.say("End of the demo. `tutor reset` puts the sandbox back at a lesson's start.")

    def present(self, lesson: Lesson) -> bool:
        """Walk through `lesson` from its start; False when the instructor quits."""
        workspace, course = self.workspace, self.workspace.course
        ui.show_lesson_intro(lesson, course.number(lesson.id), len(course.order))
        self.session.reset(lesson)  # a demo always starts from the lesson's starting state
        while True:
            index = workspace.lesson_progress(lesson).step
            if index >= len(lesson.steps):
                ui.show_heading("The sandbox at the end of the lesson")
                ui.show_state(self.session.state)
                return True
            ui.show_step(lesson, index, lesson.steps[index])
            ui.show_heading("The sandbox now")
            if self.session.state is None:
                self.session.refresh_state()
            else:  # as in `tutor start`, the state a step left is shown under the next goal
                ui.show_state(self.session.state)
            if self.wait(f"Press Enter to run step {index + 1}'s solution; q quits.") == QUIT:
                return False
            ui.show_heading(f"Step {index + 1}: the solution, with real commands")
            report = workspace.solve(ui.show_action)
            ui.show_heading(f"Step {index + 1}: what changed")
            self.session.after_change(report)

    @staticmethod
    def wait(message: str) -> str:
        ui.console.print()
        return asking.ask_key(message, KEYS)
