"""Schema drift: where a database's tables disagree with the schema its *applied* migrations
describe, said per app in the learner's words ("column store_product.price is missing,
though the applied migrations add it").

A learner can make the record and the schema disagree: `migrate --fake`, deleting an applied
migration's file, editing `django_migrations` by hand. Migrations recorded as applied whose
file is gone cannot be replayed, so what they changed shows up as drift.
"""

from __future__ import annotations


def schema_drift(loader, full_state, local_apps: set[str], applied: set,
                 tables: dict) -> dict[str, list[str]]:
    """Each local app's drift: its problems, in the order a learner should mend them."""
    if not tables and not applied:
        return {app: [] for app in sorted(local_apps)}
    return {app: _app_drift(loader.graph, full_state, app, applied, tables)
            for app in sorted(local_apps)}


def _app_drift(graph, full_state, app: str, applied: set, tables: dict) -> list[str]:
    nodes = [key for key in applied if key[0] == app and key in graph.nodes]
    leaves = [key for key in nodes
              if not any(child in nodes for child in graph.node_map[key].children)]
    applied_state = graph.make_state(nodes=leaves, at_end=True) if leaves else None
    unresolved = []
    try:
        expected = _expected_tables(applied_state, app) if applied_state else {}
    except ValueError as error:  # a relation to a model no migration it depends on makes
        expected = {}
        unresolved = [f"the applied {app} migrations describe a relation Django cannot "
                      f"resolve from what they depend on ({error}): a new database "
                      "cannot apply them"]
    everything = _expected_tables(full_state, app)
    problems = unresolved + [
        f"{app}.{parent[1]} is not recorded as applied, though {app}.{child[1]}, which "
        "depends on it, is"
        for child in sorted(nodes) for parent in sorted(graph.node_map[child].parents)
        if parent[0] == app and parent not in applied
    ]
    if unresolved:  # what they describe is not known: nothing to compare the tables with
        return problems
    for table, columns in sorted(expected.items()):
        if table not in tables:
            problems.append(f"table {table} is missing, though an applied migration creates it")
            continue
        problems += _column_drift(table, columns, {c.name: c for c in tables[table]})
    for table in sorted(everything):
        if table in tables and table not in expected:
            problems.append(f"table {table} is in the database, though no applied "
                            "migration creates it")
    return problems


def _column_drift(table: str, columns: dict[str, tuple], actual: dict) -> list[str]:
    """How one table's columns (`actual`, by name) differ from what the applied migrations
    say they are (`columns`, as `_expected_tables` gives them)."""
    problems = []
    for name, (null, db_default) in columns.items():
        if name not in actual:
            problems.append(f"column {table}.{name} is missing, though the applied "
                            "migrations add it")
        elif actual[name].null != null:
            problems.append(f"column {table}.{name} "
                            f"{'allows NULL' if actual[name].null else 'is NOT NULL'}, "
                            "though the applied migrations say "
                            f"{'NULL' if null else 'NOT NULL'}")
        elif db_default is not None and actual[name].default != db_default:
            problems.append(
                f"column {table}.{name} has no DEFAULT in the database, though the "
                "applied migrations give it one (`db_default`)" if db_default else
                f"column {table}.{name} has a DEFAULT in the database, though no applied "
                "migration gives it one")
    for name in actual:
        if name not in columns:
            problems.append(f"column {table}.{name} is in the database, though no "
                            "applied migration adds it")
    return problems


def _expected_tables(project_state, app: str) -> dict[str, dict[str, tuple]]:
    """Table name -> {column name: (allows NULL, has a database default or None where that is
    not compared: a primary key)} for the app's models in a project state."""
    from django.db.models import NOT_PROVIDED

    tables: dict[str, dict[str, tuple]] = {}
    for model in project_state.apps.get_app_config(app).get_models() \
            if app in {c.label for c in project_state.apps.get_app_configs()} else []:
        if model._meta.managed and not model._meta.proxy:
            tables[model._meta.db_table] = {
                field.column: (field.null, None if field.primary_key else
                               getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED)
                for field in model._meta.local_fields if field.column
            }
    return tables
