"""Words and shingles: normalised words with their character offsets, and 64-bit hashes of every
run of SHINGLE_WORDS of them.

Punctuation, white space and HTML markup are ignored, so re-wrapping, case changes and HTML wrapping
do not change the shingles. Each word is NFKC-normalised and case-folded, so full-width forms
("Ｔｅｘｔ"), ligatures and decomposed accents read as the plain word. Chinese and Japanese are
written without spaces: each Han, kana or CJK compatibility character is a word of its own, so a
shingle is a run of characters there (a character n-gram). Korean separates its words by spaces
and is read by words. Offsets always point into the text as submitted, so matched passages can be
cut out of both texts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

SHINGLE_WORDS = 5
# Markup is blanked out (same length, so offsets survive): scripts/styles, tags, entities.
_MARKUP = re.compile(
    r"<(script|style)\b[^<>]{0,500}>.*?</\1\s*>|<[/!?a-zA-Z][^<>]{0,1000}>|&(?:[a-zA-Z]{2,8}|#\d{1,7});",
    re.S | re.I,
)
# Combining marks stay in the word they follow (NFD text, "e" + U+0301); kana voicing marks, full
# and half width, stay with their kana ("ｶﾞ" is "ガ").
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a\uff9e\uff9f"
# Han (with extensions and compatibility ideographs), hiragana, katakana (half width too).
_CJK = (
    "\u3005\u3007\u3021-\u3029\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9d\U00020000-\U0003134f"
)
_WORD = re.compile(f"[{_CJK}][{_MARKS}]*|(?:[^\\W{_CJK}][{_MARKS}]*)+")
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


def normal_form(word: str) -> str:
    """How a word is compared: NFKC (width, ligatures, composed accents), then case-folded."""
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", word).casefold())


def tokenize(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Normalised words with their [start, end) character offsets in `text`."""
    masked = _MARKUP.sub(lambda found: " " * len(found.group()), text)
    words, starts, ends = [], [], []
    for found in _WORD.finditer(masked):
        words.append(normal_form(found.group()))
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
