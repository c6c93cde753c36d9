"""Per-process cache of each library's engine indexes, kept in step with the database.

Every search first syncs the cached index with the fingerprint rows: rows added since the last sync
are loaded (an incremental add, no rebuild), deleted items are removed. After a restart the first
search loads everything from the database, so the index always survives restarts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from engine.base import Fingerprint, Fingerprinter, Index
from libraries.models import Library, StoredFingerprint

LOAD_BATCH = 500


@dataclass
class _Cached:
    index: Index
    # media id -> fingerprint row id currently in the index
    loaded: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache: dict[tuple, _Cached] = {}
_cache_lock = threading.Lock()


def library_index(library: Library, fingerprinter: Fingerprinter) -> Index:
    key = (library.id, fingerprinter.name, fingerprinter.version)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None:
            cached = _cache[key] = _Cached(fingerprinter.new_index())
    with cached.lock:
        _sync(cached, library, fingerprinter)
    return cached.index


def _sync(cached: _Cached, library: Library, fingerprinter: Fingerprinter) -> None:
    rows = StoredFingerprint.objects.filter(
        library=library, fingerprinter=fingerprinter.name, version=fingerprinter.version
    )
    current = dict(rows.values_list("media_id", "id"))
    for media_id in [m for m, fp_id in cached.loaded.items() if current.get(m) != fp_id]:
        cached.index.remove(media_id)
        del cached.loaded[media_id]
    missing = [fp_id for m, fp_id in current.items() if m not in cached.loaded]
    for start in range(0, len(missing), LOAD_BATCH):
        batch = rows.filter(id__in=missing[start : start + LOAD_BATCH])
        for fp_id, media_id, data in batch.values_list("id", "media_id", "data"):
            fingerprint = Fingerprint(fingerprinter.name, fingerprinter.version, bytes(data))
            cached.index.add(media_id, fingerprint)
            cached.loaded[media_id] = fp_id


def forget(library_id) -> None:
    with _cache_lock:
        for key in [k for k in _cache if k[0] == library_id]:
            del _cache[key]
