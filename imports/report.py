"""A batch's failed rows in the manifest format (CSV, with the reason in two more columns), so the
report can be fixed and fed back in as a manifest."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from imports.models import ImportBatch, ItemStatus

FIELDS = [
    "primary_key",
    "path",
    "url",
    "media_type",
    "user_data",
    "title",
    "metadata",
    "subtitles",
    "code",
    "message",
]


class _Line:
    """A file-like that hands back what csv writes, for streaming a report line by line."""

    def write(self, text: str) -> str:
        return text


def _values(item) -> dict[str, str]:
    values = {name: getattr(item, name) for name in FIELDS if name != "metadata"}
    values["metadata"] = json.dumps(item.metadata, ensure_ascii=False) if item.metadata else ""
    return values


def failed_rows(batch: ImportBatch) -> Iterator[str]:
    """The report, as lines of CSV (the header first), read from the database a thousand at a time."""
    writer = csv.DictWriter(_Line(), FIELDS)
    yield writer.writeheader()
    items = batch.items.filter(status=ItemStatus.FAILED).order_by("row").iterator(chunk_size=1000)
    for item in items:
        yield writer.writerow(_values(item))
