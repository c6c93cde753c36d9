"""Words to phones, and the phone shingles speech is matched on.

A recogniser gets words wrong but mostly gets their sounds nearly right: "woodcutters" comes back as
"would cut areas", "for although" as "or all all". Matching on the words' phones (from the CMU
pronouncing dictionary that ships with PocketSphinx) instead of the words keeps such passages together;
docs/evaluation.md ("Speech") has the measurement behind the choice of phones and of SHINGLE_PHONES.
"""

from __future__ import annotations

import os
from functools import cache

import numpy as np

from engine.text.shingles import shingle_hashes

# Runs of this many phones are hashed; a passage is a chain of shared runs (engine/speech/index.py).
SHINGLE_PHONES = 4
# The 39 phones of the dictionary, one letter each.
PHONES = (
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH"
).split()
LETTER = {
    phone: chr(ord("A") + number) if number < 26 else chr(ord("a") + number - 26)
    for number, phone in enumerate(PHONES)
}


@cache
def pronunciations() -> dict[str, str]:
    """Word -> its first pronunciation as phone letters (one string per word: about 126,000 words)."""
    from pocketsphinx import get_model_path

    found: dict[str, str] = {}
    with open(os.path.join(get_model_path(), "en-us", "cmudict-en-us.dict"), encoding="utf-8") as lines:
        for line in lines:
            word, _, phones = line.strip().partition(" ")
            if "(" not in word and word:
                found[word] = "".join(LETTER.get(phone, "") for phone in phones.split())
    return found


def phones_of(word: str) -> str:
    """The phone letters of a word; a word the dictionary lacks is spelled by its letters in lower
    case (they match only the same spelling, which is what a recogniser that wrote it would repeat)."""
    return pronunciations().get(word) or "".join(c for c in word.lower() if c.isalpha())


def phone_hashes(phones: str) -> np.ndarray:
    """64-bit hash of every run of SHINGLE_PHONES phones (position i covers phones i..i+k-1)."""
    return shingle_hashes(list(phones), SHINGLE_PHONES)
