"""Text fingerprints: the hashed word shingles of a text (engine/text/shingles.py) with their
character offsets, searched by engine/text/index.py."""

from __future__ import annotations

import numpy as np

from engine.base import Fingerprint, Fingerprinter, MediaError, MediaInput, Need, Source, Track, pack_arrays
from engine.text.examples import examples
from engine.text.index import TextIndex
from engine.text.reading import read_text
from engine.text.shingles import SHINGLE_WORDS, shingle_hashes, tokenize


class TextFingerprinter(Fingerprinter):
    name = "text-shingle5"
    # 2: NFKC-normalised words, CJK read character by character.
    version = 2
    kinds = {"text": Need.REQUIRED}
    source = Source.TEXT
    index_class = TextIndex
    track = Track("text", "characters", "Text", words=True)
    examples = staticmethod(examples)

    def extract(self, media: MediaInput, progress=None, *, query: bool = True) -> Fingerprint:
        text = media.text if media.text is not None else read_text(media.path)
        return self.from_text(text)

    def from_text(self, text: str) -> Fingerprint:
        words, starts, ends = tokenize(text)
        if len(words) < SHINGLE_WORDS:
            raise MediaError(
                f"The text has {len(words)} words; at least {SHINGLE_WORDS} are needed to fingerprint it.",
                "InvalidFile.Empty" if not words else "InvalidFile.TooShort",
            )
        data = pack_arrays(
            shingles=shingle_hashes(words),
            starts=starts.astype(np.int32),
            ends=ends.astype(np.int32),
        )
        meta = {"characters": len(text), "words": len(words)}
        return Fingerprint(self.name, self.version, data, meta)
