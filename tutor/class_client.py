"""The learner's side of a class, as the commands meet it: which class to join (`--class`
and `--code`, else the environment), the name the class shows, joining with the words that
say how it went, the `tutor class status` screen, and a session staying present in the room.

classroom/link.py does the joining, queueing and leaving; this module only chooses, says and
shows. The server's words and addresses are data: shown through `printable`/`literal`.
"""

from __future__ import annotations

import os


def class_wanted(args) -> tuple[str | None, str | None]:
    """The class to join: --class and --code, else $TUTOR_CLASS and $TUTOR_CLASS_CODE (a
    class the learner left is not joined again from the environment)."""
    from .classroom.link import CODE_VARIABLE, URL_VARIABLE, ClassError, check_url

    url, code = args.class_url, args.class_code
    if url is None and code is not None:
        raise ClassError("--code needs --class: the class server's address.",
                         "Give both, e.g. --class http://192.168.1.20:8765 --code ABCD-EFGH.")
    from_environment = url is None
    if from_environment:
        url, code = os.environ.get(URL_VARIABLE) or None, os.environ.get(CODE_VARIABLE)
        if url is None:
            return None, None
    source = "$" + CODE_VARIABLE if from_environment else "--code"
    if not (code or "").strip():
        raise ClassError(f"Joining the class at {url} needs its join code ({source}).",
                         "The instructor shows it beside the address.")
    url = check_url(url)
    if from_environment:
        from .classroom.link import left_before
        from .paths import resolve_home

        if left_before(resolve_home(getattr(args, "home", None)), url):
            return None, None
    return url, code


def name_in_class(home, progress) -> str:
    """The name the class shows: the report's (`--name`, $TUTOR_NAME), else the one this home
    joined with before, else the machine's user and host."""
    from .classroom.link import default_name, membership
    from .report import learner_name

    earlier = membership(home)
    return learner_name(progress) or (earlier.name if earlier else default_name())


def join_in_session(workspace, url: str, code: str, ui) -> None:
    """`tutor start --class`: join (or join again: the same token), and say so."""
    from .classroom.link import join

    name = name_in_class(workspace.home, workspace.progress)
    _, joined = join(workspace.home, url, code, name)
    if joined:
        ui.say(f"You are in the class at {ui.literal(url)} as [bold]{ui.literal(name)}"
               "[/bold]: your progress goes to the instructor's dashboard as you work. "
               "`tutor class leave` leaves it.")
    else:
        ui.show_warning(f"The class at {url} cannot be reached now. Work on: your tutor "
                        "joins and sends your progress as soon as it can.")


def in_class_while_it_runs(home):
    """In a class, a session keeps its home's sender reading the room (classroom/link.py)."""
    import contextlib

    from .classroom.telling import in_class

    if not in_class(home):
        return contextlib.nullcontext()
    from .classroom.link import present

    return present(home)


def class_status(home):
    """What `tutor class status` reports (json_reports.ClassStatusReport)."""
    from .classroom import link
    from .json_reports import ClassStatusReport

    member = link.membership(home)
    return ClassStatusReport(
        member=member, joined=bool(member and link.joined(home, member)),
        queued=len(link.queued(home)), room=link.room_target(home) if member else None,
        hand_raised=link.hand_is_up(home), last=link.status(home) if member else {})


def show_class_status(report) -> None:
    """The class status screen: plain lines, each piece from the server shown as data."""
    from .markup import printable as shown

    member = report.member
    if member is None:
        print("You are in no class. Join one with `tutor start --class URL --code CODE`.")
        return
    last = report.last
    print(f"Class: {shown(member.url)}, as {shown(member.name)}.")
    if last.get("refused"):
        print(f"The class refused to let you join: {shown(str(last['refused']))}. Join again "
              "with the right code: `tutor start --class URL --code CODE`.")
    elif not report.joined:
        print("Not joined yet: the server has not been reached; your tutor keeps trying.")
    print(f"Events waiting to be sent: {report.queued}"
          + (f" (last problem: {shown(str(last['error']))})"
             if last.get("error") and report.queued else "."))
    room = report.room
    print(f"The room's step: {shown(str(room['lesson']))}, step {shown(str(room['step']))}."
          if room else "The room's step: none set.")
    if report.hand_raised:
        print("Your hand is raised.")

