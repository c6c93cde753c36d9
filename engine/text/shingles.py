"""Words and shingles: case-folded words with their character offsets, and 64-bit hashes of every
run of SHINGLE_WORDS of them.

Punctuation, white space and HTML markup are ignored, so re-wrapping, case changes and HTML wrapping
do not change the shingles. Offsets always point into the text as submitted, so matched passages can
be cut out of both texts.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

SHINGLE_WORDS = 5
# Markup is blanked out (same length, so offsets survive): scripts/styles, tags, entities.
_MARKUP = re.compile(
    r"<(script|style)\b[^<>]{0,500}>.*?</\1\s*>|<[/!?a-zA-Z][^<>]{0,1000}>|&(?:[a-zA-Z]{2,8}|#\d{1,7});",
    re.S | re.I,
)
_WORD = re.compile(r"\w+")
_MIX = [
    np.uint64(c)
    for c in (
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
    )
]


def tokenize(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Case-folded words with their [start, end) character offsets in `text`."""
    masked = _MARKUP.sub(lambda found: " " * len(found.group()), text)
    words, starts, ends = [], [], []
    for found in _WORD.finditer(masked):
        words.append(found.group().casefold())
        starts.append(found.start())
        ends.append(found.end())
    return words, np.array(starts, np.int64), np.array(ends, np.int64)


def _word_ids(words: list[str]) -> np.ndarray:
    cache: dict[str, int] = {}
    ids = np.empty(len(words), np.uint64)
    for i, word in enumerate(words):
        value = cache.get(word)
        if value is None:
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            value = cache[word] = int.from_bytes(digest, "little")
        ids[i] = value
    return ids


def shingle_hashes(words: list[str], k: int = SHINGLE_WORDS) -> np.ndarray:
    """64-bit hash of every run of k consecutive words (position i covers words i..i+k-1)."""
    if len(words) < k:
        return np.zeros(0, np.uint64)
    ids = _word_ids(words)
    n = len(ids) - k + 1
    with np.errstate(over="ignore"):
        h = np.zeros(n, np.uint64)
        for j in range(k):
            h = (h ^ ids[j : j + n]) * _MIX[j]
            h ^= h >> np.uint64(29)
    return h
