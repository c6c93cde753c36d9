"""Fingerprints read back from the stored rows, in batches (for merges and rebuilds)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from engine.base import Fingerprint, Fingerprinter
from libraries.models import StoredFingerprint

BATCH = 500


def fingerprints_of(
    library_id: uuid.UUID, fingerprinter: Fingerprinter, keys: list[uuid.UUID]
) -> Iterator[tuple[uuid.UUID, Fingerprint]]:
    """The current fingerprints of these items, in key order; items deleted since are skipped.

    Rows are found by their media (the (media, fingerprinter) unique index), and those of another
    library dropped here: asked with the library as well, SQLite chose the (library, fingerprinter)
    index and read every row of the library for each batch (a 200,000-picture merge at ~290 pictures
    a second, slower the bigger the library: bench/merge_image.py)."""
    rows = StoredFingerprint.objects.filter(fingerprinter=fingerprinter.name, version=fingerprinter.version)
    for start in range(0, len(keys), BATCH):
        batch = keys[start : start + BATCH]
        found = {
            media: data
            for media, library, data in rows.filter(media_id__in=batch).values_list(
                "media_id", "library_id", "data"
            )
            if library == library_id
        }
        for key in batch:
            if key in found:
                yield key, Fingerprint(fingerprinter.name, fingerprinter.version, bytes(found[key]))


def all_fingerprints(
    library_id: uuid.UUID, fingerprinter: Fingerprinter
) -> Iterator[tuple[uuid.UUID, Fingerprint]]:
    rows = StoredFingerprint.objects.filter(
        library_id=library_id, fingerprinter=fingerprinter.name, version=fingerprinter.version
    ).order_by("id")
    for media_id, data in rows.values_list("media_id", "data").iterator(chunk_size=BATCH):
        yield media_id, Fingerprint(fingerprinter.name, fingerprinter.version, bytes(data))
