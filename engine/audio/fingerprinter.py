"""Audio fingerprints: the codes of a sound stream (engine/audio/codes.py), built from the sound of one
decode (engine/decode.py) and searched by engine/audio/index.py.

An audio job's file must have sound; a video's sound is optional (a silent video is still a video,
and a video whose sound does not decode is described by its pictures).
"""

from __future__ import annotations

import numpy as np

from engine.audio.codes import RATE, Coder
from engine.audio.examples import examples
from engine.audio.index import AudioIndex
from engine.base import (
    Consumer,
    Fingerprint,
    Fingerprinter,
    MediaInput,
    Need,
    Source,
    Track,
    array_names,
    pack_arrays,
    unpack_arrays,
)
from engine.decode import extract_stream


class AudioConsumer(Consumer):
    def __init__(self, fingerprinter: AudioFingerprinter, *, query: bool) -> None:
        self.fingerprinter = fingerprinter
        self.coder = Coder(query=query)

    def feed(self, seconds: float, chunk: np.ndarray) -> None:
        self.coder.feed(chunk)

    def finish(self) -> Fingerprint:
        return self.fingerprinter.from_arrays(self.coder.arrays())


class AudioFingerprinter(Fingerprinter):
    name = "audio-bands"
    version = 1
    kinds = {"audio": Need.REQUIRED, "video": Need.OPTIONAL}
    source = Source.SOUND
    sample_rate = RATE
    index_class = AudioIndex
    track = Track("audio", "seconds", "Sound")
    examples = staticmethod(examples)

    def extract(self, media: MediaInput, progress=None, *, query: bool = True) -> Fingerprint:
        """`query=False` skips the variants a search needs (for items that are only stored)."""
        return extract_stream(self, media, progress, query=query)

    def consumer(self, *, query: bool, media: MediaInput | None = None) -> Consumer:
        return AudioConsumer(self, query=query)

    def extract_samples(self, samples: np.ndarray) -> Fingerprint:
        """Fingerprint of samples already decoded at RATE (tests and benchmarks)."""
        coder = Coder(query=True)
        coder.feed(samples)
        return self.from_arrays(coder.arrays())

    def from_arrays(self, arrays: dict[str, np.ndarray]) -> Fingerprint:
        duration = float(arrays["duration"])
        meta = {"duration": round(duration, 3)} if duration else {}
        return Fingerprint(self.name, self.version, pack_arrays(**arrays), meta)

    def for_storage(self, fingerprint: Fingerprint) -> Fingerprint:
        """A library item keeps only its plain codes: the variants serve queries."""
        if "weak" not in array_names(fingerprint):  # stored as made (a save job's): not parsed again
            return fingerprint
        arrays = unpack_arrays(fingerprint)
        stored = pack_arrays(codes=arrays["codes"][:, :1], level=arrays["level"], duration=arrays["duration"])
        return Fingerprint(fingerprint.fingerprinter, fingerprint.version, stored, fingerprint.meta)
