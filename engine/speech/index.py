"""The speech index: the text index's sorted runs and diagonal chains (engine/text/index.py) over phone
shingles instead of word shingles, with times instead of character offsets, and the recognised words
kept per item so that a matched passage says what was said on both sides."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from engine.base import Fingerprint, Segment, unpack_arrays
from engine.speech.phones import SHINGLE_PHONES
from engine.text.index import TextIndex


class SpeechIndex(TextIndex):
    SHINGLE = SHINGLE_PHONES
    TRACK = "speech"
    # Phone shingles shared by more places than this are common sounds, not evidence.
    MAX_POSTINGS = 256
    # Runs of four phones recur across unrelated speech (common words, common sounds): counting the
    # items that hold one says nothing about boilerplate, so the text index's rule is off here.
    COMMON_ITEMS = None
    # Joining and echo pruning (engine/text/passages.py) were measured on text only: off until the
    # speech benchmark says what they do to phone chains.
    JOIN_GAP_WORDS = None
    ECHO_SHARE = None
    # A spoken passage needs this many shared phone runs on one diagonal, with gaps of up to 40 phones
    # where recognition went wrong on one side, and insertions or deletions shifting the diagonal by up
    # to 12 phones. Chains of 8 (set on the benchmark's seeds 1 and 2, 20 unrelated readings each) let
    # 8 of seed 4's 300 unrelated readings match, chains of 10 two, of 12 none (docs/evaluation.md,
    # "Speech"); 12 costs recall under noise (0.50 -> 0.35 at 10 dB on seed 4), not on clean copies.
    MIN_HITS = 12
    MAX_GAP_WORDS = 40
    MAX_DRIFT_WORDS = 12

    def __init__(self) -> None:
        super().__init__()
        self._words: dict[int, tuple[np.ndarray, bytes]] = {}

    def add(self, key: Hashable, fingerprint: Fingerprint) -> None:
        super().add(key, fingerprint)
        arrays = unpack_arrays(fingerprint)
        self._words[self._slot_of[key]] = (arrays["phone_words"], arrays["transcript"].tobytes())

    def remove(self, key: Hashable) -> None:
        slot = self._slot_of.get(key)
        super().remove(key)
        self._words.pop(slot, None)

    def export(self) -> tuple[list[Hashable], dict[str, np.ndarray]]:
        keys, arrays = super().export()
        if self._frozen is not None:
            return keys, arrays
        live = sorted(self._offsets)
        transcripts = [np.frombuffer(self._words[slot][1], np.uint8) for slot in live]
        bases = np.zeros(len(live) + 1, np.int64)
        bases[1:] = np.cumsum([len(t) for t in transcripts])
        arrays["phone_words"] = (
            np.concatenate([self._words[slot][0] for slot in live]) if live else np.zeros(0, np.int32)
        )
        arrays["transcripts"] = np.concatenate(transcripts) if transcripts else np.zeros(0, np.uint8)
        arrays["transcript_bases"] = bases
        return keys, arrays

    def _library_words(self, slot: int) -> tuple[np.ndarray, bytes]:
        if self._frozen is None:
            return self._words[slot]
        phones, texts = self._frozen["word_bases"], self._frozen["transcript_bases"]
        phone_words = self._frozen["phone_words"][int(phones[slot]) : int(phones[slot + 1])]
        transcript = self._frozen["transcripts"][int(texts[slot]) : int(texts[slot + 1])].tobytes()
        return phone_words, transcript

    # A passage lasts this long on both sides at least: shorter chains are phrases any two talks share
    # ("at the end of the"); without the rule 8 of seed 1's 20 unrelated readings matched one.
    MIN_SECONDS = 3.0

    def _kept(self, passage: Segment) -> bool:
        return (
            min(passage.end - passage.start, passage.library_end - passage.library_start) >= self.MIN_SECONDS
        )

    def _described(
        self, passage: Segment, query: dict, slot: int, tokens: tuple, library_tokens: tuple
    ) -> Segment:
        said = _said(query["phone_words"], query["transcript"].tobytes(), tokens)
        library_said = _said(*self._library_words(slot), library_tokens)
        return Segment(
            passage.start,
            passage.end,
            passage.library_start,
            passage.library_end,
            passage.similarity,
            query_text=said,
            library_text=library_said,
        )


def _said(phone_words: np.ndarray, transcript: bytes, tokens: tuple[int, int]) -> str:
    """The recognised words spoken over phones tokens[0]..tokens[1]."""
    first, last = int(phone_words[tokens[0]]), int(phone_words[tokens[1]])
    return " ".join(transcript.decode("utf-8", "replace").split(" ")[first : last + 1])
