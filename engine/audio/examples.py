"""The audio fingerprinter's own examples: real music, ten seconds of it made quieter and mixed with
noise, unrelated music, and a file that is no audio (see Example in engine/base.py)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from engine.base import Example, MediaInput
from engine.decode import sound_samples

ORIGINAL = "librosa-data/Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy-first90s.ogg"
UNRELATED = "librosa-data/Karissa_Hobbs_-_Lets_Go_Fishin-first14s.ogg"
RATE = 22050
COPY_AT = 20.0


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """Mono 16-bit PCM, with the standard library's writer."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def examples(fixtures: Path, work: Path) -> list[Example]:
    music = sound_samples(fixtures / ORIGINAL, RATE)
    excerpt = music[int(COPY_AT * RATE) : int((COPY_AT + 10) * RATE)] * 0.5
    noise = np.random.default_rng(3).standard_normal(len(excerpt)).astype(np.float32)
    noise *= np.sqrt(np.mean(excerpt**2) / np.mean(noise**2) / 10)  # 10 dB below the music
    copy = write_wav(work / "sugar-plum-20s-gain-6db-noise10db.wav", excerpt + noise)
    bad = work / "not-audio.mp3"
    bad.write_bytes(b"ID3 this is no audio at all " * 30)
    return [
        Example(
            original=MediaInput(path=fixtures / ORIGINAL),
            copy=MediaInput(path=copy),
            edit="10 s excerpt, -6 dB, white noise at 10 dB SNR",
            unrelated=MediaInput(path=fixtures / UNRELATED),
            bad=MediaInput(path=bad),
            bad_code="InvalidFile.Corrupt",
            copy_at=COPY_AT,
        )
    ]
