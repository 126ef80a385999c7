"""A command the learner typed, run attached to the terminal, and how Ctrl-C ends it.

The command stays in the tutor's process group, so that it owns the terminal as a shell's
job would (Django's questions, `dbshell`), and a Ctrl-C reaches it and the tutor alike.
Most commands end on that first Ctrl-C, and the tutor waits for them to finish (a migrate
rolls its transaction back). One that ignores it (a signal handler, `trap '' INT`) keeps
running; the learner is told so, and a second Ctrl-C ends it with everything it started
(the shell of `a && b` and its children), as a shell's Ctrl-\\ or `kill -9` would.
"""

from __future__ import annotations

import os
import subprocess
import time
from typing import Callable

# How long a command may take to end after a Ctrl-C before the learner hears it goes on.
GRACE_SECONDS = 1.0
STILL_RUNNING = ("The command is still running: it does not stop at Ctrl-C. "
                 "Press Ctrl-C again to end it.")


def run_attached(command: str, cwd, env: dict[str, str],
                 on_stderr: Callable[[str], object] | None = None,
                 on_still_running: Callable[[str], object] | None = None) -> int:
    """Run `command` through the shell, attached to the terminal; its standard error goes to
    `on_stderr` as it comes, when given. Returns its exit status; raises KeyboardInterrupt
    once it has ended after a Ctrl-C."""
    filtered = on_stderr is not None and os.name != "nt"  # select() needs POSIX pipes
    with _CtrlCCounter() as ctrl_c:
        process = subprocess.Popen(command, shell=True, cwd=cwd, env=env,
                                   stderr=subprocess.PIPE if filtered else None)
        pump = _StderrPump(process, on_stderr) if filtered else None
        interrupted_at: float | None = None
        told = False
        try:
            while True:
                try:
                    ended = _ended(process, pump)
                except KeyboardInterrupt:  # outside the main thread, where it is not counted
                    ctrl_c.count += 1
                    ended = False
                if ctrl_c.count and interrupted_at is None:
                    interrupted_at = time.monotonic()
                if ended:
                    break
                if ctrl_c.count >= 2:
                    end_tree(process)
                    break
                if (interrupted_at is not None and not told
                        and time.monotonic() - interrupted_at > GRACE_SECONDS):
                    told = True
                    if on_still_running:
                        try:
                            on_still_running(STILL_RUNNING)
                        except KeyboardInterrupt:
                            ctrl_c.count += 1
        except BaseException:
            # An error in the tutor: the command must not go on without us.
            if process.poll() is None:
                end_tree(process)
            raise
        finally:
            if pump is not None:
                pump.close()
            process.wait()
    if interrupted_at is not None:
        raise KeyboardInterrupt
    return process.returncode


class _CtrlCCounter:
    """While a command runs, a Ctrl-C is counted, not raised: a KeyboardInterrupt raised at
    any instruction can land inside `Popen.wait` between taking its lock and guarding it,
    and the lock left taken hangs the next wait for good (seen as a rare hang in CI). So the
    loop above reads the count between its rounds instead. Outside the main thread, where
    no handler can be set, Ctrl-C still arrives as an exception and is counted there."""

    def __init__(self):
        self.count = 0
        self._installed = False
        self._previous = None

    def __enter__(self) -> "_CtrlCCounter":
        import signal
        import threading

        # Where Ctrl-C is ignored (a run under nohup), the command inherits that as before.
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN):
            self._previous = signal.signal(signal.SIGINT, self._count)
            self._installed = True
        return self

    def _count(self, signum, frame) -> None:
        self.count += 1

    def __exit__(self, *exc) -> None:
        if self._installed:
            import signal

            # None: a handler Python did not set; the default one is what it stood for.
            signal.signal(signal.SIGINT, self._previous if self._previous is not None
                          else signal.default_int_handler)


def _ended(process: subprocess.Popen, pump: "_StderrPump | None") -> bool:
    """One round of waiting, a tenth of a second at most: whether the command has ended (and,
    when its standard error is read, everything it wrote has been passed on)."""
    if pump is not None:
        return not pump.step()
    try:
        process.wait(timeout=0.1)
        return True
    except subprocess.TimeoutExpired:
        return False


class _StderrPump:
    """The command's standard error, read as it comes, decoded a character at a time (a
    character may be split between two reads: Django's “curly quotes”)."""

    def __init__(self, process: subprocess.Popen, on_stderr: Callable[[str], object]):
        import codecs

        self.process = process
        self.on_stderr = on_stderr
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pipe = process.stderr.fileno()

    def step(self) -> bool:
        """Pass on what there is to read (waiting a tenth of a second at most); False once the
        command has ended and nothing is left."""
        import select

        readable, _, _ = select.select([self.pipe], [], [], 0.1)
        if readable:
            chunk = os.read(self.pipe, 4096)
            if chunk:
                self.on_stderr(self.decoder.decode(chunk))
                return True
            return False
        # Ended, and nothing left to read; a program it left running in the background
        # (`... &`) may hold the pipe open, but must not hold the tutor.
        return self.process.poll() is None

    def close(self) -> None:
        self.on_stderr(self.decoder.decode(b"", final=True))
        self.process.stderr.close()


def end_tree(process: subprocess.Popen) -> None:
    """Kill the command and every process it started (found before any is killed, since a
    killed parent's children are no longer known as its own)."""
    if os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)],
                       capture_output=True, check=False)
        return
    import signal

    for pid in [process.pid, *descendants(process.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from `ps` (Linux, macOS and the BSDs have it)."""
    try:
        listing = subprocess.run(["ps", "-A", "-o", "pid=", "-o", "ppid="],
                                 capture_output=True, text=True, check=False).stdout
    except OSError:
        return []
    children: dict[int, list[int]] = {}
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) == 2 and all(field.isdigit() for field in fields):
            children.setdefault(int(fields[1]), []).append(int(fields[0]))
    found, waiting = [], [pid]
    while waiting:
        for child in children.get(waiting.pop(), []):
            if child not in found:
                found.append(child)
                waiting.append(child)
    return found
