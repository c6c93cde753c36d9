"""The manifest: which segment files make up a library's index, at which generation.

Every change (a segment added or retired, a tombstone) takes the next generation of the library in
the transaction that makes it, so changes are totally ordered per library and a worker compares one
number to know whether it is current.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db.models import F

from engine.base import Fingerprint, Fingerprinter
from engine.segments import Written, write_segment
from libraries.indexing import files
from libraries.models import IndexSegment, Library


@dataclass(frozen=True)
class NewSegment:
    name: str
    written: Written
    items: int


def next_generation(library_id: uuid.UUID) -> int:
    """The library's next generation. Call inside a transaction: the update holds the library's row
    until commit, so concurrent writers take generations (and commit) one after another."""
    Library.objects.filter(pk=library_id).update(index_generation=F("index_generation") + 1)
    return Library.objects.filter(pk=library_id).values_list("index_generation", flat=True).get()


def current_generation(library_id: uuid.UUID) -> int | None:
    return Library.objects.filter(pk=library_id).values_list("index_generation", flat=True).first()


def encode_keys(keys: Iterable[uuid.UUID]) -> np.ndarray:
    data = b"".join(key.bytes for key in keys)
    return np.frombuffer(data, np.uint8).reshape(-1, 16)


def build_segment(
    library_id: uuid.UUID, fingerprinter: Fingerprinter, items: Iterable[tuple[uuid.UUID, Fingerprint]]
) -> NewSegment:
    """Index the items and write them as one segment file (not yet in the manifest). Indexes that
    build in bounded memory (Index.build_export) use a scratch folder beside the file, removed after."""
    name = files.segment_name(fingerprinter.name, fingerprinter.version)
    path = files.path_to_write(library_id, name)
    scratch = path.with_name(f".{name}.scratch")
    try:
        keys, arrays = fingerprinter.index_class.build_export(items, scratch)
        meta = {"fingerprinter": fingerprinter.name, "version": fingerprinter.version, "items": len(keys)}
        written = write_segment(path, encode_keys(keys), arrays, meta)
        del arrays  # the scratch files' maps
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    files.publish(library_id, name, path)
    return NewSegment(name, written, len(keys))


def register(
    library_id: uuid.UUID, fingerprinter: Fingerprinter, new: NewSegment, generation: int
) -> IndexSegment:
    return IndexSegment.objects.create(
        library_id=library_id,
        fingerprinter=fingerprinter.name,
        version=fingerprinter.version,
        name=new.name,
        generation=generation,
        items=new.items,
        size_bytes=new.written.size,
        sha256=new.written.sha256,
    )


def active_segments(library_id: uuid.UUID, fingerprinter: Fingerprinter):
    return IndexSegment.objects.filter(
        library_id=library_id,
        fingerprinter=fingerprinter.name,
        version=fingerprinter.version,
        retired=False,
    ).order_by("generation", "id")
