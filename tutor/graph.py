"""The sandbox's migration graph, every app, as `git log --graph` draws commits: one row a
migration in the order `migrate` would apply them (`showmigrations --plan`), a lane for each
line of dependencies, merges and branches drawn where they are, and for each database
whether the migration is applied there.

Plain logic over a `SandboxState` (nothing here reads the sandbox): `MigrationGraph.of(state)`
is the graph, `rows()` its drawing as text (ASCII: `*` a migration, `|` a lane going on, `\\`
a lane opening, `/` lanes joining), `to_json()` the same for scripts. The drawing is an aid;
each row's words say all of it (applied where, a squash's replaced migrations, a merge's
parents, a file missing on disk), so the plain mode and a screen reader lose nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import plain
from .state import Migration, SandboxState


@dataclass(frozen=True)
class Node:
    """One migration of the graph: its file (if any), what it depends on among the graph's
    migrations, and on each database whether Django sees it applied."""

    migration: Migration
    parents: tuple[str, ...]
    applied: dict[str, bool]  # database -> applied there
    # database -> django_migrations has its own row there (a squash is applied once what it
    # replaces is, before `migrate` records it: `showmigrations` marks that [-])
    recorded: dict[str, bool] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.migration.key

    def words(self, databases: list[str]) -> str:
        """Everything the row says besides its drawing."""
        m = self.migration
        if plain.on():  # words: "[X]" and "[ ]" are read out as brackets
            marks = ", ".join(_SAID[self._mark(db)]
                              + (f" on {db}" if len(databases) > 1 else "")
                              for db in databases)
        else:
            marks = "  ".join(f"[{self._mark(db)}] {db}" for db in databases) \
                if len(databases) > 1 else f"[{self._mark(databases[0])}]"
        said = [f"{m.key}  {marks}"]
        if any(self._mark(db) == "-" for db in databases):
            said.append("applied, not recorded yet: `migrate` records it")
        if m.replaces:
            said.append(f"squash: replaces {_names(m.replaces, m.app)}")
        own = [p for p in self.parents if p.split(".", 1)[0] == m.app]
        if len(own) > 1:
            said.append(f"merge of {_names(own, m.app)}")
        other = [p for p in self.parents if p.split(".", 1)[0] != m.app]
        if other:
            said.append(f"needs {', '.join(other)}")
        if not m.on_disk:
            said.append("no file on disk")
        return "  ".join([said[0]] + [f"({part})" for part in said[1:]])


    def _mark(self, database: str) -> str:
        """As `showmigrations` marks it: X applied, - a squash applied but not recorded."""
        if not self.applied.get(database):
            return " "
        if self.migration.replaces and not self.recorded.get(database, True):
            return "-"
        return "X"


_SAID = {"X": "applied", " ": "not applied", "-": "applied (not recorded yet)"}


def _names(keys, app: str) -> str:
    return ", ".join(key.split(".", 1)[1] if key.split(".", 1)[0] == app else key
                     for key in keys)


class MigrationGraph:
    """The migrations of every app, with their dependencies, in the order `migrate` applies
    them, and the databases they are applied on (the sandbox's own first)."""

    def __init__(self, nodes: list[Node], databases: list[str]):
        self.nodes = nodes
        self.databases = databases
        self._rows: list[tuple[str, Node | None]] | None = None  # drawn once, when asked

    @classmethod
    def of(cls, state: SandboxState) -> MigrationGraph:
        databases = [state.database, *sorted(state.databases)]
        applied_on = {db: {m.key for m in (state.on(db) or state).migrations if m.applied}
                      for db in databases}
        known = {m.key: m for m in state.migrations}
        for other in state.databases.values():  # a record another database alone has
            for m in other.migrations:
                known.setdefault(m.key, m)
        recorded_on = {db: {m.key for m in (state.on(db) or state).migrations if m.recorded}
                       for db in databases}
        for key in _not_in_djangos_graph(known, recorded_on[state.database]):
            del known[key]
        nodes = {key: Node(m, tuple(p for p in m.depends_on if p in known),
                           {db: key in applied_on[db] for db in databases},
                           {db: key in recorded_on[db] for db in databases})
                 for key, m in known.items()}
        return cls(_plan_order(nodes), databases)

    def rows(self) -> list[tuple[str, Node | None]]:
        """The drawing, top to bottom: (the lanes' characters, the node of the row, or None
        for a row that only joins or opens lanes)."""
        if self._rows is None:
            self._rows = self._draw()
        return self._rows

    def lines(self) -> list[str]:
        """The drawing as text, a line a row: its lanes, then its words, aligned."""
        rows = self.rows()
        width = max((len(lanes) for lanes, _ in rows), default=0)
        return [f"{lanes:<{width}}  {node.words(self.databases)}".rstrip() if node else lanes
                for lanes, node in rows]

    def _draw(self) -> list[tuple[str, Node | None]]:
        children: dict[str, list[str]] = {node.key: [] for node in self.nodes}
        for node in self.nodes:
            for parent in node.parents:
                children[parent].append(node.key)
        lanes: list[str | None] = []  # the migration each lane leads to (None: a free lane)
        drawn: list[tuple[str, Node | None]] = []
        for node in self.nodes:
            incoming = [i for i, target in enumerate(lanes) if target == node.key]
            if incoming:
                column = incoming[0]
                for joining in reversed(incoming[1:]):  # lanes that end here join it
                    drawn.append((_joining_row(lanes, joining, column), None))
                    del lanes[joining]
            elif not any(lanes):  # nothing leads here, and no line goes on: a line apart
                if drawn:
                    drawn.append(("", None))
                column = 0
                lanes[:] = [node.key]
            elif None in lanes:
                column = lanes.index(None)
                lanes[column] = node.key
            else:
                column = len(lanes)
                lanes.append(node.key)
            drawn.append((_row(lanes, {2 * column: "*"}), node))
            # The lane goes on into the same app's next migration; another app's opens one.
            following = sorted(children[node.key],
                               key=lambda key: key.split(".", 1)[0] != node.migration.app)
            lanes[column] = following[0] if following else None
            for child in following[1:]:  # a branch: a lane opens beside this one
                drawn.append((_opening_row(lanes, column), None))
                lanes.insert(column + 1, child)
            while lanes and lanes[-1] is None:
                lanes.pop()
        return drawn

    def worth_drawing(self) -> bool:
        """Whether the picture says more than a table of each app's migrations: lines that
        branch, join or stand apart, or another app's dependencies, or a squash."""
        apps = {node.migration.app for node in self.nodes}
        return len(apps) > 1 or any(node.migration.replaces for node in self.nodes) or any(
            node is None or len(lanes) > 1 for lanes, node in self.rows())

    def to_json(self) -> dict:
        return {"databases": self.databases, "migrations": [
            {"app": n.migration.app, "name": n.migration.name, "depends_on": list(n.parents),
             "replaces": list(n.migration.replaces), "on_disk": n.migration.on_disk,
             "applied": n.applied, "recorded": n.recorded} for n in self.nodes]}


def _not_in_djangos_graph(known: dict[str, Migration], recorded: set[str]) -> set[str]:
    """What Django's loader leaves out of its graph for a squash: the migrations it replaces,
    when all of them or none are recorded (the squash stands for them, and their dependants
    depend on it); else the squash itself (the replaced ones are still being applied)."""
    left_out: set[str] = set()
    for squash in known.values():
        if not squash.replaces or not squash.on_disk:
            continue
        done = [key in recorded for key in squash.replaces]
        if all(done) or not any(done):
            left_out |= {key for key in squash.replaces if key in known}
        else:
            left_out.add(squash.key)
    return left_out


def _plan_order(nodes: dict[str, Node]) -> list[Node]:
    """The order `showmigrations --plan` lists: for each leaf (by app and name), what it
    depends on first, depth first, as Django's `MigrationGraph.forwards_plan` walks it; then
    the migrations recorded with no file (Django's graph has no place for them)."""
    def by_name(key: str) -> tuple[str, str]:
        app, name = key.split(".", 1)
        return app, name

    on_disk = {key: node for key, node in nodes.items() if node.migration.on_disk}
    # A leaf, to Django, has no child in its own app (another app's may depend on it).
    has_child = {parent for node in on_disk.values() for parent in node.parents
                 if parent.split(".", 1)[0] == node.migration.app}
    order: list[Node] = []
    seen: set[str] = set()
    for leaf in sorted((key for key in on_disk if key not in has_child), key=by_name):
        stack = [(leaf, False)]
        while stack:
            key, expanded = stack.pop()
            if key in seen:
                continue
            if expanded:
                seen.add(key)
                order.append(nodes[key])
                continue
            stack.append((key, True))
            stack += [(parent, False) for parent in sorted(nodes[key].parents, key=by_name)
                      if parent not in seen]
    rest = sorted((key for key in nodes if key not in seen), key=by_name)
    return order + [nodes[key] for key in rest]


def _row(lanes: list[str | None], marks: dict[int, str]) -> str:
    """One row's characters: lane i at position 2i (`|` while it goes on), then `marks`."""
    cells = [" "] * max(2 * len(lanes) - 1, 1)
    for i, target in enumerate(lanes):
        if target is not None:
            cells[2 * i] = "|"
    for position, mark in marks.items():
        if position >= len(cells):
            cells.extend(" " * (position - len(cells) + 1))
        cells[position] = mark
    return "".join(cells).rstrip()


def _opening_row(lanes: list[str | None], column: int) -> str:
    """`|\\`: a lane opens right of `column`; the lanes right of it move over one."""
    marks = {2 * column + 1: "\\"}
    for i in range(column + 1, len(lanes)):
        marks[2 * i] = " "
        if lanes[i] is not None:
            marks[2 * i + 1] = "\\"
    return _row(lanes, marks)


def _joining_row(lanes: list[str | None], joining: int, column: int) -> str:
    """`|/`: lane `joining` ends in lane `column` (across the lanes between, `-`); the lanes
    right of it move back one."""
    marks = {2 * joining: " "}
    if joining == column + 1:
        marks[2 * joining - 1] = "/"
    else:
        for position in range(2 * column + 1, 2 * joining):
            if position % 2 or lanes[position // 2] is None:
                marks[position] = "-"
        marks[2 * joining] = "'"
    for i in range(joining + 1, len(lanes)):
        marks[2 * i] = " "
        if lanes[i] is not None:
            marks[2 * i - 1] = "/"
    return _row(lanes, marks)
