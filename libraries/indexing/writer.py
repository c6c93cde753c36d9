"""Index writes that go with the library's own writes, in the same transaction: a saved item's
segment, and tombstones for deleted items (they hide the item from every worker at once)."""

from __future__ import annotations

import uuid

from django.db import transaction

from engine import registry
from engine.base import Fingerprint
from libraries.indexing import files, merge
from libraries.indexing.manifest import build_segment, next_generation, register
from libraries.models import IndexTombstone


def index_saved(library_id: uuid.UUID, media_id: uuid.UUID, fingerprints: list[Fingerprint]) -> list[str]:
    """Write a just-saved item's segments (one per fingerprinter) and enter them in the manifest.
    Call inside the transaction that saves the item; returns the segment names so the caller can
    delete the files if the transaction rolls back."""
    return index_saved_together(library_id, [(media_id, fingerprints)])


def index_saved_together(
    library_id: uuid.UUID, saved: list[tuple[uuid.UUID, list[Fingerprint]]]
) -> list[str]:
    """Index items saved in one transaction (a worker's group of import jobs) as one segment per
    fingerprinter, not one per item: fewer files to write, to open and to merge."""
    by_fingerprinter: dict[str, list[tuple[uuid.UUID, Fingerprint]]] = {}
    for media_id, fingerprints in saved:
        for fingerprint in fingerprints:
            by_fingerprinter.setdefault(fingerprint.fingerprinter, []).append((media_id, fingerprint))
    if not by_fingerprinter:
        return []
    names: list[str] = []
    generation = next_generation(library_id)
    try:
        for name, items in by_fingerprinter.items():
            fingerprinter = registry.named(name)
            new = build_segment(library_id, fingerprinter, items)
            names.append(new.name)
            register(library_id, fingerprinter, new, generation)
            transaction.on_commit(lambda f=fingerprinter: merge.request(library_id, f))
    except BaseException:
        forget_written(library_id, names)
        raise
    return names


def forget_written(library_id: uuid.UUID, names: list[str]) -> None:
    for name in names:
        files.delete(library_id, name)


def bury(library_id: uuid.UUID, media_ids: list[uuid.UUID]) -> None:
    """Tombstones for deleted or replaced items. Call inside the transaction that deletes them."""
    if not media_ids:
        return
    generation = next_generation(library_id)
    IndexTombstone.objects.bulk_create(
        IndexTombstone(library_id=library_id, media_id=media_id, generation=generation)
        for media_id in media_ids
    )
