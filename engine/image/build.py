"""The image index's flat arrays, built from its items (see engine/image/index.py for what they are).

Two ways to the same arrays: build_arrays from items held in memory (a save's few pictures, an index
being filled), and build_streamed from items read one by one, each picture's keypoints written to
scratch files as it comes, so that only the hot part (hashes and postings, ~3 KB a picture while
sorting) is held: a merge of millions of pictures then needs memory for its hot part, not its file
(libraries/indexing/merge.py bounds merges by what a build holds per file byte).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from pathlib import Path

import numpy as np

from engine.base import Fingerprint, unpack_arrays
from engine.image.words import DESCRIPTOR_SIZE, signs, words

HASH_CHUNKS = 16
# A posting is one uint32: its sign in the top 8 bits, its item's number below (4 bytes a posting; an
# item array and a sign array took 5). So a segment holds at most ITEM_LIMIT pictures (merges and
# rebuilds stay under it: libraries/indexing/merge.py, ImageIndex.MAX_SEGMENT_ITEMS).
ITEM_BITS = 24
ITEM_MASK = (1 << ITEM_BITS) - 1
# One short of 2**24: no posting is then 0xFFFFFFFF, so the end of sign 255's range is found by
# searching for 0xFFFFFFFF in uint32 like any other (lookups.spans_by_word).
ITEM_LIMIT = ITEM_MASK
# Postings are gathered in blocks of this many pictures (one concatenation each, not one per picture).
_BLOCK = 4096
# Signs are moved into the postings this many at a time (temporaries of a few MB, not of the file).
_SIGNS_AT_ONCE = 1 << 20


def chunks(hashes: np.ndarray) -> np.ndarray:
    """The 16-bit chunks of 32-byte hashes: (items, 16) uint16."""
    return np.ascontiguousarray(hashes).view("<u2").reshape(len(hashes), HASH_CHUNKS)


def filed(fingerprint: Fingerprint, indexed: int) -> dict[str, np.ndarray]:
    """What the index keeps of a picture: its hash, keypoints and descriptors, and the visual word and
    sign of each of its first `indexed` keypoints (those filed in the inverted file)."""
    arrays = unpack_arrays(fingerprint)
    item = {name: arrays[name] for name in ("hash", "points", "descriptors")}
    item["words"] = words(item["descriptors"][:indexed])[:, 0]
    item["signs"] = signs(item["descriptors"][:indexed])
    return item


def postings_of(item: dict[str, np.ndarray], indexed: int, owner: int) -> np.ndarray:
    """The item's postings, each as one sortable number: its code (word << 8 | sign) above the item's
    number (32 bits), each distinct code once."""
    codes = np.unique((item["words"][:indexed].astype(np.int64) << 8) | item["signs"][:indexed])
    return (codes.astype(np.uint64) << np.uint64(32)) | np.uint64(owner)


def build_arrays(items: list[dict[str, np.ndarray]], indexed: int) -> dict[str, np.ndarray]:
    """The flat arrays of an index of these items (each: hash, points, descriptors, words, signs).
    Postings are grouped by word and, within a word, sorted by sign."""
    _refuse_too_many(len(items))
    postings = [postings_of(item, indexed, owner) for owner, item in enumerate(items)]
    hashes = np.array([item["hash"] for item in items], np.uint8).reshape(len(items), 32)
    counts = np.array([len(item["descriptors"]) for item in items], np.int64)
    return {
        **hot_arrays(hashes, np.concatenate(postings) if postings else np.zeros(0, np.uint64)),
        **keypoint_places(counts),
        "points": _stack([item["points"] for item in items], (0, 2), np.float16),
        "descriptors": _stack([item["descriptors"] for item in items], (0, DESCRIPTOR_SIZE), np.uint8),
    }


def build_streamed(
    items: Iterable[tuple[Hashable, Fingerprint]], indexed: int, scratch: Path
) -> tuple[list[Hashable], dict[str, np.ndarray]]:
    """The keys and build_arrays of these items (distinct keys), their keypoints and descriptors
    written to files in `scratch` as they come and returned memory-mapped from there: the caller
    writes them to the segment, then removes the folder."""
    scratch.mkdir(parents=True, exist_ok=True)
    keys: list[Hashable] = []
    seen: set[Hashable] = set()
    hashes, counts = bytearray(), []
    blocks: list[np.ndarray] = []
    pending: list[np.ndarray] = []
    with open(scratch / "points", "wb") as points, open(scratch / "descriptors", "wb") as descriptors:
        for key, fingerprint in items:
            if key in seen:
                raise ValueError(f"item {key!r} is given twice")
            seen.add(key)
            _refuse_too_many(len(keys) + 1)
            item = filed(fingerprint, indexed)
            pending.append(postings_of(item, indexed, len(keys)))
            keys.append(key)
            hashes += np.asarray(item["hash"], np.uint8).tobytes()
            counts.append(len(item["descriptors"]))
            points.write(np.ascontiguousarray(item["points"], np.float16).tobytes())
            descriptors.write(np.ascontiguousarray(item["descriptors"], np.uint8).tobytes())
            if len(pending) == _BLOCK:
                blocks.append(np.concatenate(pending))
                pending = []
    postings = np.concatenate(blocks + pending) if blocks or pending else np.zeros(0, np.uint64)
    del blocks, pending
    counts_array = np.array(counts, np.int64)
    total = int(counts_array.sum())
    arrays = {
        **hot_arrays(np.frombuffer(bytes(hashes), np.uint8).reshape(len(keys), 32), postings),
        **keypoint_places(counts_array),
        "points": _mapped(scratch / "points", (total, 2), np.float16),
        "descriptors": _mapped(scratch / "descriptors", (total, DESCRIPTOR_SIZE), np.uint8),
    }
    return keys, arrays


def hot_arrays(hashes: np.ndarray, postings: np.ndarray) -> dict[str, np.ndarray]:
    """The arrays every search reads: the hashes with a sorted table per chunk, and the inverted file
    from the postings (postings_of): each word's postings, sorted by sign then item, as sign << 24 |
    item. The postings are sorted and then overwritten in place, so that a build of millions of
    pictures holds 12 bytes a posting here, not 30."""
    by_chunk = chunks(hashes).T
    order = np.argsort(by_chunk, axis=1, kind="stable")
    postings.sort()
    filed_postings = postings.astype(np.uint32)  # the low 32 bits: the item
    for start in range(0, len(postings), _SIGNS_AT_ONCE):  # the signs: the code's low 8 bits
        signs_of = (postings[start : start + _SIGNS_AT_ONCE] >> np.uint64(32)).astype(np.uint8)
        filed_postings[start : start + _SIGNS_AT_ONCE] |= signs_of.astype(np.uint32) << np.uint32(ITEM_BITS)
    postings >>= np.uint64(40)
    first = np.flatnonzero(firsts(postings))
    return {
        "hashes": hashes,
        "hash_chunks": np.take_along_axis(by_chunk, order, axis=1),
        "hash_items": order.astype(np.uint32),
        "word_keys": postings[first].astype(np.uint32),
        "word_starts": np.append(first, len(postings)).astype(np.int64),
        "word_postings": filed_postings,
    }


def _refuse_too_many(items: int) -> None:
    if items > ITEM_LIMIT:
        raise ValueError(f"an image index segment holds at most {ITEM_LIMIT:,} pictures")


def keypoint_places(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Where each item's keypoints start in the points and descriptors, and how many it has."""
    return {
        "keypoint_starts": (np.cumsum(counts) - counts).astype(np.int64),
        "keypoint_counts": counts.astype(np.uint16),
    }


def firsts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a sorted array starts (a mask)."""
    return np.concatenate(([True], values[1:] != values[:-1])) if len(values) else np.zeros(0, bool)


def _stack(parts: list[np.ndarray], empty: tuple[int, int], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(empty, dtype)


def _mapped(path: Path, shape: tuple[int, int], dtype) -> np.ndarray:
    if shape[0] == 0:
        return np.zeros(shape, dtype)
    return np.memmap(path, dtype=dtype, mode="r", shape=shape)
