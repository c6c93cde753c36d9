"""The speech fingerprinter's own examples: a real reader's three sentences, the third read again by a
synthetic voice (another voice, another pace), an unrelated reader's sentence, and a file that is no
audio (see Example in engine/base.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.audio.examples import write_wav
from engine.base import Example, MediaInput
from engine.decode import sound_samples

READING = ("ljspeech/LJ001-0001.opus", "ljspeech/LJ001-0002.opus", "ljspeech/LJ001-0003.opus")
REVOICED = "ljspeech/LJ001-0003-espeak.opus"
UNRELATED = "librosa-data/198-209-0000.hq.ogg"
RATE = 16000


def examples(fixtures: Path, work: Path) -> list[Example]:
    sentences = [sound_samples(fixtures / name, RATE) for name in READING]
    reading = write_wav(work / "lj001-0001-to-0003.wav", np.concatenate(sentences), RATE)
    bad = work / "not-speech.mp3"
    bad.write_bytes(b"ID3 this is no audio at all " * 30)
    return [
        Example(
            original=MediaInput(path=reading),
            copy=MediaInput(path=fixtures / REVOICED),
            edit="the third sentence read again by espeak-ng (another voice and pace)",
            unrelated=MediaInput(path=fixtures / UNRELATED),
            bad=MediaInput(path=bad),
            bad_code="InvalidFile.Corrupt",
            copy_at=sum(len(s) for s in sentences[:2]) / RATE,
        )
    ]
