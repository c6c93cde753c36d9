"""Writing many rows' own values in one statement."""

from __future__ import annotations

from django.db import connections, router


def update_each(objects: list, fields: list[str]) -> None:
    """UPDATE the given fields of each object (all of one model) to its own values, by primary key,
    as one executemany. Django's bulk_update builds a CASE expression per field and object, which for
    a group of 64 jobs cost more than 64 plain statements (measured: 36 ms against 25 ms)."""
    if not objects:
        return
    meta = type(objects[0])._meta
    connection = connections[router.db_for_write(type(objects[0]))]
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns]
        + [meta.pk.get_db_prep_value(obj.pk, connection)]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
