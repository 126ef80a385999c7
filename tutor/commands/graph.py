"""`tutor graph`: the learner's picture of the sandbox's migration graph (see `graph.py`)."""

from __future__ import annotations

from .base import Command, print_json
from .opening import open_workspace


class Graph(Command):
    name = "graph"
    help = "draw the sandbox's migration graph: every app, and where each migration is applied"
    details = ("As `git log --graph` draws commits: a row for each migration, in the order "
               "`showmigrations --plan` lists them; `*` is a migration, `|` a line of "
               "dependencies going on, `\\` one opening (a branch), `/` lines joining (a "
               "merge). Each row says the migration, [X] where it is applied and [ ] where "
               "it is not (on each of the sandbox's databases), what a squash replaces, the "
               "migrations a merge joins, another app's migration it needs, and a file "
               "missing on disk. Read from the sandbox's files and django_migrations.")
    json_flag = True

    def handle(self, args) -> int:
        from ..graph import MigrationGraph
        from ..markup import printable

        workspace = open_workspace(args)
        workspace.sandbox.require()
        graph = MigrationGraph.of(workspace.read_state())
        if args.json:
            print_json(graph.to_json())
            return 0
        if not graph.nodes:
            print("No migrations yet: no migration file, and none recorded in "
                  "django_migrations.")
            return 0
        apps = list(dict.fromkeys(node.migration.app for node in graph.nodes))  # as drawn
        orphans = any(not node.migration.on_disk for node in graph.nodes)
        print(printable(f"Migrations of {', '.join(apps)}, in the order `migrate` applies "
                        "them" + ("; then those recorded with no file (no migrate applies "
                                  "them)" if orphans else "")
                        + (f"; applied on {', '.join(graph.databases)}:"
                           if len(graph.databases) > 1 else ":")))
        for line in graph.lines():
            print(printable(line))
        return 0
