"""The map of a home: every file and folder the tutor keeps in it, what each holds, and which
module writes it.

A home is the tutor's own folder (`paths.resolve_home` chooses it, `paths.claim_home` marks
it). Every module takes the names of what it keeps there from here, so that one page shows a
reader the whole home, and `tests/test_home_layout.py` checks that no other module spells one. This
module imports nothing: the quickest processes (`python -m tutor.shell_hook`) read it too.
"""

from __future__ import annotations

# --- the tutor's own mark (paths.py) ---
MARKER = ".tutor-home"

# --- the sandbox and its swap (sandbox/) ---
SANDBOX = "sandbox"
SANDBOX_NEW = "sandbox.new"
SANDBOX_OLD = "sandbox.old"
BIN = "bin"
SNAPSHOTS = "snapshots"
SNAPSHOT_SANDBOX = "sandbox"       # in a kept step: the sandbox at that step
SNAPSHOT_SEEN = "seen.json"        # in a kept step: the states its steps had seen
CACHE = "cache"
COURSE_CACHE = "lessons.json"      # in CACHE
COURSE_CONTENTS = "course-contents.json"  # in CACHE: what `tutor lessons` lists

# --- where the learner is (progress.py, seen.py, journal.py, notes.py) ---
PROGRESS = "progress.json"
STEPS_SEEN = "steps-seen.json"
JOURNAL = "journal.jsonl"
JOURNAL_STATE = "journal-state.json"

# --- the timeline of `tutor undo` and `tutor redo` (history.py) ---
HISTORY = "history"
HISTORY_POINTS = "points"          # one JSON file a point: each file's content, by digest
HISTORY_UNDONE = "undone"          # the points undone, which `tutor redo` brings back
HISTORY_OBJECTS = "objects"        # file contents by digest, and database copies
HISTORY_UNDOS = "undos.json"       # the undos made, in order, for redo
HISTORY_RESTORING = "restoring"    # an undo or redo under way (finished if it was cut short)

# --- `tutor shell` (shell_hook.py) ---
SHELL = "shell"
SHELL_BASHRC = "bashrc"
SHELL_ZSH = "zsh"

# --- two tutors on one home take turns (lock.py) ---
LOCK = ".lock"

# --- a course from outside that the learner trusts (trust.py) ---
TRUSTED_COURSES = "trusted-courses.json"

# --- a database server (backends.py, server_databases.py, spare_database.py, left_servers.py) ---
DATABASE = "database.json"
SERVERS_LEFT = "servers-left.json"
SPARE = "server-spare.json"
SPARE_LOCK = ".spare-lock"
SPARE_LOG = "server-spare.log"
DATABASES_PENDING = "server-databases-pending"

# --- the live class: the learner's side (classroom/link.py, classroom/sender.py) ---
CLASS = "class.json"
CLASS_STATUS = "class-status.json"
CLASS_ROOM = "class-room.json"
CLASS_LEFT = "class-left.json"
CLASS_OUTBOX = "class-outbox"
CLASS_SENDER_LOCK = "class-sender.lock"
CLASS_SESSION_LOCK = "class-session.lock"

# --- the live class: the instructor's side (classroom/serve.py) ---
CLASS_KEY = "class-dashboard.txt"
CLASS_DATABASE = "class.sqlite3"
CLASS_DATABASE_LOCK = "class.sqlite3.lock"  # (classroom/store.py: beside any class database)


# Every name at the top of a home, with what it holds: the map `tests/test_home_layout.py` holds the
# other modules to.
TOP_LEVEL: dict[str, str] = {
    MARKER: "the mark that says the folder is the tutor's",
    SANDBOX: "the learner's Django project",
    SANDBOX_NEW: "a build or restore being made, swapped in whole",
    SANDBOX_OLD: "the sandbox swapped out, removed once the new one stands",
    BIN: "`python` for the sandbox's shell (the tutor's Python)",
    SNAPSHOTS: "each lesson's kept start, and kept steps (fast-forward)",
    CACHE: "parsed lesson files, and the course's contents as `tutor lessons` lists them",
    PROGRESS: "lessons, steps passed, answers, the current lesson",
    STEPS_SEEN: "the states the current lesson's steps have seen",
    JOURNAL: "every check and command, for `tutor notes` and reports",
    JOURNAL_STATE: "the state the journal last saw (what changed since)",
    HISTORY: "the timeline `tutor undo` and `tutor redo` go back and forth on",
    SHELL: "`tutor shell`'s rc files and the last point each shell took",
    LOCK: "held by the one tutor working on the home",
    TRUSTED_COURSES: "the courses from outside the learner trusts",
    DATABASE: "the database server the learner chose, if any",
    SERVERS_LEFT: "servers this home used and left, to clean",
    SPARE: "the database made ready for the next reset on a server",
    SPARE_LOCK: "builds and the spare's worker take turns",
    SPARE_LOG: "the spare worker's last failure",
    DATABASES_PENDING: "databases being made on a server: dropped if left",
    CLASS: "the class joined: its address, name and token",
    CLASS_STATUS: "what the last send to the class said",
    CLASS_ROOM: "the step the room is at, as the sender last read it",
    CLASS_LEFT: "a class left, so that a late sender says nothing more",
    CLASS_OUTBOX: "class events waiting to be sent, one file each",
    CLASS_SENDER_LOCK: "held by the home's one class sender",
    CLASS_SESSION_LOCK: "held while a `tutor start` session in a class runs",
    CLASS_KEY: "the class dashboard's address with its key, readable by its owner only",
    CLASS_DATABASE: "the class's events and learners (`tutor class serve`'s default)",
    CLASS_DATABASE_LOCK: "held by the class server that uses the class's database",
}
