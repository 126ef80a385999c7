"""Every `tutor` command, each a `Command` (base.py) with its arguments beside its handler,
in the order `tutor --help` lists them.

learner.py holds the commands on the step at hand, record.py those on what the learner did,
instructor.py the course author's and instructor's, class_.py the live class, graph.py the
picture of the sandbox's migrations. Importing this
package imports argparse and the command classes alone: `tutor --help` stays instant.
"""

from __future__ import annotations

from .base import Command
from .class_ import Class
from .graph import Graph
from .instructor import ClassReport, LintLessons
from .learner import Answer, Check, Hint, Lessons, Reset, Shell, Solve, Start, Status, Watch
from .record import History, Notes, Redo, Report, Undo

COMMANDS: dict[str, Command] = {command.name: command for command in (
    Start(), Lessons(), Status(), Check(), Hint(), Answer(), Solve(), Reset(), Undo(), Redo(),
    History(), Notes(), Graph(), Shell(), Watch(), LintLessons(), Report(), ClassReport(), Class(),
)}
