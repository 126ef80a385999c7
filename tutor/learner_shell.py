"""`tutor shell`: the learner's own shell, started inside the sandbox, where `python` has
Django; it never outlives the tutor.

A point of the timeline is taken before it starts, and (bash and zsh) after each command
typed in it: see shell_hook.py. Nothing here judges.
"""

from __future__ import annotations

import os
import sys

from .exceptions import TutorError
from .home_layout import SHELL


def _shell_command(workspace, environment: dict[str, str]) -> list[str]:
    """The learner's shell (SHELL, COMSPEC on Windows); bash and zsh with the hook that
    takes a point after each command (zsh's through `environment`)."""
    if os.name == "nt":
        shell = [os.environ.get("COMSPEC", "cmd.exe")]
    else:
        shell = [os.environ.get("SHELL") or "/bin/sh"]
    kind = os.path.basename(shell[0])
    if kind in ("bash", "zsh"):  # and a point after each command: see shell_hook
        from .shell_hook import rc_file, zsh_folder

        bin_dir = workspace.sandbox.bin_dir
        if kind == "bash":
            shell += ["--rcfile", str(rc_file(workspace.home, sys.executable, bin_dir)), "-i"]
        else:
            environment["ZDOTDIR"] = str(zsh_folder(workspace.home, sys.executable, bin_dir))
    return shell


def open_shell(workspace) -> int:
    """Run the learner's shell in the sandbox until it exits; its exit status."""
    import subprocess

    sandbox = workspace.sandbox
    sandbox.require()
    sandbox.write_python_shim()
    workspace.remember_before_command()  # what the shell's commands can be undone to
    environment = sandbox.learner_environment()
    shell = _shell_command(workspace, environment)
    print(f"A shell in the sandbox ({sandbox.path}). `python manage.py showmigrations` works "
          "here; type `exit` to leave, then `tutor check`.")
    try:
        process = subprocess.Popen(shell, cwd=sandbox.path, env=environment)
        try:
            return process.wait()
        except BaseException:  # as subprocess.call does: the shell does not outlive us
            process.kill()
            raise
        finally:
            (workspace.home / SHELL / f"seen-{process.pid}").unlink(missing_ok=True)
    except OSError as error:
        raise TutorError(f"Your shell, {shell[0]}, could not be started: "
                         f"{error.strerror or error}.",
                         "Set SHELL to a shell that exists (e.g. `SHELL=/bin/sh tutor shell`), "
                         "or work in a terminal of your own in "
                         f"{sandbox.path}.") from None
