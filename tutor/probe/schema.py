"""Reads one database as it is, through a Django connection: its tables and columns (typed as
the server names them), its rows, and the mark the tutor wrote on it. It only reads."""

from __future__ import annotations

from ..state import DJANGO_TABLES, Column

# Lessons look at a handful of rows; a learner's experiment with thousands stays cheap to read.
ROWS_READ_PER_TABLE = 100


def read_contents(connection) -> tuple[dict[str, list[Column]], dict[str, int],
                                       dict[str, list[dict]], int | None]:
    """The database's tables, each one's row count and first rows (Django's own tables
    aside), and its mark."""
    tables = read_tables(connection)
    row_counts: dict[str, int] = {}
    rows: dict[str, list[dict]] = {}
    with connection.cursor() as cursor:
        for table in tables:
            if table not in DJANGO_TABLES:
                row_counts[table], rows[table] = read_rows(cursor, connection, table)
    return tables, row_counts, rows, _database_mark(connection)


def read_tables(connection) -> dict[str, list[Column]]:
    """Every table of the database, by name, with its columns."""
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            description = connection.introspection.get_table_description(cursor, table)
            types = _server_types(cursor, connection, table)
            tables[table] = [Column(name=c.name, type=types.get(c.name, str(c.type_code)),
                                    null=bool(c.null_ok),
                                    default=_has_default(connection, c))
                             for c in description]
    return tables


def _has_default(connection, column) -> bool:
    """Whether the database fills the column in itself: a DEFAULT in its definition (MariaDB
    names a nullable column's missing default "NULL"; a serial key's is its sequence)."""
    default = getattr(column, "default", None)
    if default is None:
        return False
    text = str(default).strip()
    return bool(text) and text.upper() != "NULL" and not text.startswith("nextval(")


def _server_types(cursor, connection, table: str) -> dict[str, str]:
    """The columns' SQL types as the server names them (`integer`, `numeric(6,2)`): Django's
    introspection gives the drivers' type numbers (SQLite's description already has names)."""
    if connection.vendor == "mysql":
        cursor.execute("SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS "
                       "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s", [table])
        return dict(cursor.fetchall())
    if connection.vendor != "postgresql":
        return {}
    cursor.execute("SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
                   "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c "
                   "ON a.attrelid = c.oid WHERE c.relname = %s AND a.attnum > 0 "
                   "AND NOT a.attisdropped AND pg_catalog.pg_table_is_visible(c.oid)", [table])
    return dict(cursor.fetchall())


# SQLite keeps a 32-bit number of the application's in every database file's header; nothing
# Django, dumpdata or loaddata does touches it, and a new file starts with 0.
MARK_PRAGMA = "application_id"


# On a server, the comment the tutor wrote on the database it is connected to.
MARK_QUERIES = {
    "postgresql": "SELECT pg_catalog.shobj_description(oid, 'pg_database') FROM "
                  "pg_catalog.pg_database WHERE datname = current_database()",
    "mysql": "SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA "
             "WHERE SCHEMA_NAME = DATABASE()",
}


def _database_mark(connection) -> int | None:
    if connection.vendor in MARK_QUERIES:  # the tutor's comment on its own database
        from ..server_databases import mark_number

        with connection.cursor() as cursor:
            cursor.execute(MARK_QUERIES[connection.vendor])
            row = cursor.fetchone()
            return mark_number(row[0] if row else None)
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {MARK_PRAGMA}")
        value = cursor.fetchone()[0]
    return value or None


def read_rows(cursor, connection, table: str) -> tuple[int, list[dict]]:
    """How many rows the table holds, and its first ones, as JSON-ready dictionaries."""
    quoted = connection.ops.quote_name(table)
    cursor.execute(f"SELECT COUNT(*) FROM {quoted}")
    count = cursor.fetchone()[0]
    cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1 LIMIT {ROWS_READ_PER_TABLE}")
    names = [column[0] for column in cursor.description]
    return count, [dict(zip(names, map(json_value, row))) for row in cursor.fetchall()]


def json_value(value):
    """The value as JSON can hold it: a decimal, a date, bytes... become their text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)

