"""Explains why a sandbox cannot be read, in the learner's terms: whatever stopped Django
from loading (a rejected model, a file Python cannot read, a missing migration, a busy
database...) becomes a `StateUnreadable` that names the file and line inside the sandbox and
says what to do next."""

from __future__ import annotations

from pathlib import Path

from ..exceptions import UNDO_WORDS
from ..state import StateUnreadable
from .read import ModelRejected, is_inside


def explain_failure(error: BaseException, sandbox: Path) -> StateUnreadable:
    """Turn whatever stopped Django from loading into a learner-sized explanation."""
    from django.db import OperationalError

    if isinstance(error, OperationalError) and "database is locked" in str(error):
        return StateUnreadable(
            "The database is busy: another program is writing to db.sqlite3 (a `migrate` "
            "running in another terminal, an open `dbshell` in the middle of a transaction).",
            advice="Try again in a moment, once it has finished; nothing is wrong with the "
                   "sandbox.")
    file, line = _sandbox_location(error, sandbox)
    if isinstance(error, ModelRejected) and error.file and is_inside(Path(error.file), sandbox):
        file = str(Path(error.file).resolve().relative_to(sandbox.resolve()))
        line = error.line
    where = f" ({file}, line {line})" if file else ""
    if isinstance(error, ModelRejected):
        return StateUnreadable(
            f"Django rejects the models{where}: " + "; ".join(error.messages) + ".",
            file=file, line=line,
            advice="Fix the model in your editor (`migrate` and `makemigrations` refuse to run "
                   "until then), or run `tutor reset` to start the lesson over.",
        )
    if isinstance(error, SyntaxError):
        return StateUnreadable(
            f"Python cannot read {file or 'a sandbox file'}: {error.msg}{where}.",
            file=file, line=line,
            advice="Fix that line in your editor, or run `tutor reset` to start the lesson over.",
        )
    return _explain_graph_failure(error, sandbox, file, line)


def _explain_graph_failure(error: BaseException, sandbox: Path, file: str | None,
                           line: int | None) -> StateUnreadable:
    """Why Django could not build the migration graph (or load the sandbox at all), the
    error arising at `file`, `line` inside the sandbox where that is known."""
    from django.db.migrations.exceptions import (
        BadMigrationError,
        InconsistentMigrationHistory,
        NodeNotFoundError,
    )

    where = f" ({file}, line {line})" if file else ""
    if isinstance(error, NodeNotFoundError):
        app, name = error.node
        # In a git repository, a branch that lacks the file is the likelier cause than a file
        # deleted (and re-pointing a dependency would be the wrong mend there).
        branch = (f"The branch checked out may lack it: `git checkout` the branch that has "
                  f"it (`git log --all --oneline -- {app}/migrations` tells which). "
                  if (sandbox / ".git").exists() else "")
        return StateUnreadable(
            f"Migration {error.origin} depends on {app}.{name}, whose file is missing. Django "
            "cannot build the migration graph, so every `manage.py migrate` fails the same way.",
            file=file, line=line,
            advice=f"{branch}Restore {app}/migrations/{name}.py, or change that dependency in "
                   f"{_migration_file(error.origin)} to a migration that exists (`tutor undo` "
                   "takes the sandbox back to the last point the tutor saw; `tutor reset` "
                   "rebuilds the lesson).",
        )
    if isinstance(error, (BadMigrationError, InconsistentMigrationHistory)):
        return StateUnreadable(str(error), file=file, line=line,
                               advice="Run `tutor reset` to start the lesson over.")
    back = f"`tutor undo` {UNDO_WORDS}; `tutor reset` starts the lesson over."
    if isinstance(error, ValueError) and "lazy reference" in str(error):
        # The migration files' own models, rendered: a relation to a model that no migration
        # the relation's migration depends on creates (Django's own `migrate` on a new
        # database stops there too: "Related model ... cannot be resolved").
        return StateUnreadable(
            f"The migration files describe a relation Django cannot resolve: {error}{where}. "
            "A migration with a foreign key must depend on the migration that creates the "
            "model it points to, or every `migrate` on a new database fails.",
            file=file, line=line,
            advice="Give that migration the dependency back; or " + back)
    return StateUnreadable(
        f"Django could not load the sandbox: {type(error).__name__}: {error}{where}.",
        file=file, line=line,
        advice=("Fix the file named above; or " if file else "") + back,
    )


def _migration_file(migration) -> str:
    app, name = getattr(migration, "app_label", ""), getattr(migration, "name", "")
    return f"{app}/migrations/{name}.py" if app and name else f"the file of {migration}"


def _sandbox_location(error: BaseException, sandbox: Path) -> tuple[str | None, int | None]:
    """The innermost place inside the sandbox where the error arose, relative to it."""
    if isinstance(error, SyntaxError) and error.filename:
        path = Path(error.filename)
        if is_inside(path, sandbox):
            return str(path.resolve().relative_to(sandbox.resolve())), error.lineno
    import traceback

    location = (None, None)
    for frame, line in traceback.walk_tb(error.__traceback__):
        path = Path(frame.f_code.co_filename)
        if path.is_absolute() and is_inside(path, sandbox):
            location = (str(path.resolve().relative_to(sandbox.resolve())), line)
    return location
