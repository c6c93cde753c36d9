"""Audio codes: 16 bits every 32 ms from how the spectrum's shape changes over half a second.

The sound is decoded to 8 kHz mono (engine/decode.py). Every 32 ms a 256 ms window gives its energy in
17 overlapping bands, log-spaced from 250 Hz to 3.2 kHz (a telephone line keeps them). Energies are
averaged over half a second, and bit b of a frame says whether "band b minus band b+1" grew over the
last half second. Long averaging is what makes the bits survive noise: white or pink noise at the
same loudness as the music flips about 15% of them, where 32 ms differences flip 30%.

A pitch or speed change moves every band; so a query is also described with its band centres moved by
±1.5%, ±3%, ±4.5% and ±6% (VARIANT_SCALES), which puts one of them within 0.75% of the original
bands for any pitch change up to a semitone. Only queries carry these variants and, for each code, its
least certain bits (the index flips them when looking codes up); library items store the plain codes.
engine/audio/index.py finds and aligns them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

RATE = 8000
WINDOW = 2048  # 256 ms
HOP = 256  # 32 ms: one code per hop
FRAME_SECONDS = HOP / RATE
BANDS = 17  # 16 band differences = 16 bits
LOW_HZ, HIGH_HZ = 250.0, 3200.0
BAND_OVERLAP = 1.5  # a band's triangle reaches 1.5 band spacings to each side
SMOOTH = 16  # frames averaged (0.5 s)
LAG = 16  # frames between the two differences a bit compares (0.5 s)
CONTEXT = SMOOTH + LAG  # frames of energy one code depends on
# Query band scales (query frequency / library frequency) tried by the search; index 0 is the plain one.
VARIANT_SCALES = (1.0, 0.985, 1.015, 0.97, 1.03, 0.955, 1.045, 0.94, 1.06)
# Seconds from a code's index to the middle of the audio it describes.
CODE_CENTRE = ((CONTEXT - 1) / 2) * FRAME_SECONDS + WINDOW / RATE / 2
# Frames quieter than this (dB below full scale, in the analysed bands) or without any change in their
# spectrum (a steady tone, DC) carry no code: their bits would be decided by rounding.
SILENCE_DB = -60.0
WEAK_BITS = 3  # the least certain bits of a query code, kept for flipping
KEY_BITS = 12  # bits 0-11 of a code (the lower bands, where music is loudest) go into index keys


@lru_cache(maxsize=32)
def band_matrix(scale: float = 1.0) -> np.ndarray:
    """(frequency bins, BANDS) triangular weights on a log-frequency axis, centres times `scale`."""
    ratio = (HIGH_HZ / LOW_HZ) ** (1 / (BANDS - 1))
    centres = LOW_HZ * scale * ratio ** np.arange(BANDS)
    freqs = np.arange(WINDOW // 2 + 1) * RATE / WINDOW
    distance = np.abs(np.log(np.maximum(freqs, 1.0))[:, None] - np.log(centres)[None, :])
    weights = np.maximum(0.0, 1.0 - distance / (BAND_OVERLAP * np.log(ratio)))
    return (weights / weights.sum(axis=0, keepdims=True)).astype(np.float32)


def _bins_in_use(matrices: np.ndarray) -> slice:
    used = np.nonzero(matrices.any(axis=1))[0]
    return slice(int(used[0]), int(used[-1]) + 1)


class _Analyser:
    """Streaming codes: feed sample blocks, get codes for every frame whose context is complete."""

    def __init__(self, scales: tuple[float, ...]):
        matrices = np.concatenate([band_matrix(s) for s in scales], axis=1)
        self.bins = _bins_in_use(matrices)
        self.matrices = np.ascontiguousarray(matrices[self.bins])
        self.variants = len(scales)
        self.window = np.hanning(WINDOW).astype(np.float32)
        self.samples = np.zeros(0, np.float32)
        self.energy = np.zeros((0, self.variants, BANDS), np.float32)
        self.level = np.zeros(0, np.float32)

    def feed(self, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values (frames, variants, 16) and loudness (frames,) of the codes completed by `block`."""
        samples = np.concatenate([self.samples, block.astype(np.float32, copy=False)])
        frames = (len(samples) - WINDOW) // HOP + 1 if len(samples) >= WINDOW else 0
        if frames > 0:
            windows = np.lib.stride_tricks.sliding_window_view(samples, WINDOW)[: frames * HOP : HOP]
            spectrum = np.fft.rfft(windows * self.window, axis=1)[:, self.bins]
            power = spectrum.real**2 + spectrum.imag**2
            energy = (power @ self.matrices).reshape(frames, self.variants, BANDS)
            self.energy = np.concatenate([self.energy, energy])
            # dB of the mean power density: white noise of variance v reads 10 log10(v).
            level = 10 * np.log10(energy[:, 0].mean(axis=1) / (WINDOW * 0.375) + 1e-12)
            self.level = np.concatenate([self.level, level.astype(np.float32)])
        self.samples = samples[frames * HOP :]
        return self._codes()

    def _codes(self) -> tuple[np.ndarray, np.ndarray]:
        ready = len(self.energy) - CONTEXT + 1
        if ready <= 0:
            return np.zeros((0, self.variants, BANDS - 1), np.float32), np.zeros(0, np.float32)
        total = np.cumsum(
            np.concatenate([np.zeros((1, self.variants, BANDS), np.float32), self.energy]), axis=0
        )
        smooth = (total[SMOOTH:] - total[:-SMOOTH]) / SMOOTH  # smooth[i] averages energy[i : i + SMOOTH]
        shape = smooth[:, :, :-1] - smooth[:, :, 1:]
        change = shape[LAG : LAG + ready] - shape[:ready]
        # Loudness of a code: its quietest half second, so a code reaching into silence is not trusted.
        level = np.minimum(self.level[:ready], self.level[CONTEXT - 1 : CONTEXT - 1 + ready])
        scale = smooth[:ready, 0].mean(axis=1) + smooth[LAG : LAG + ready, 0].mean(axis=1)
        values = change / np.maximum(scale, 1e-20)[:, None, None]
        steady = np.abs(values[:, 0]).max(axis=1) < 1e-4
        level = np.where(steady, -200.0, level).astype(np.float32)
        self.energy = self.energy[ready:]
        self.level = self.level[ready:]
        return values.astype(np.float32), level


def _pack_bits(values: np.ndarray) -> np.ndarray:
    """Sign bits of the last axis (16 values) as uint16 codes."""
    weights = (1 << np.arange(BANDS - 1)).astype(np.uint32)
    return ((values > 0) * weights).sum(axis=-1).astype(np.uint16)


def _weakest(values: np.ndarray) -> np.ndarray:
    """The WEAK_BITS least certain key bits of each code, packed 4 bits per index (weakest first)."""
    order = np.argsort(np.abs(values[..., :KEY_BITS]), axis=-1)[..., :WEAK_BITS].astype(np.uint16)
    packed = np.zeros(order.shape[:-1], np.uint16)
    for rank in range(WEAK_BITS):
        packed |= order[..., rank] << (4 * rank)
    return packed


class Coder:
    """Codes of a stream of sample blocks (mono float32 at RATE): plain codes and loudness, plus the
    band-scale variants and each code's weakest bits when `query`."""

    def __init__(self, *, query: bool) -> None:
        self.query = query
        self.analyser = _Analyser(VARIANT_SCALES if query else VARIANT_SCALES[:1])
        self.codes: list[np.ndarray] = []
        self.weak: list[np.ndarray] = []
        self.levels: list[np.ndarray] = []
        self.seconds = 0.0

    def feed(self, block: np.ndarray) -> None:
        values, level = self.analyser.feed(block)
        self.codes.append(_pack_bits(values))
        if self.query:
            self.weak.append(_weakest(values))
        self.levels.append(level)
        self.seconds += len(block) / RATE

    def arrays(self) -> dict[str, np.ndarray]:
        variants = self.analyser.variants
        result = {
            "codes": np.concatenate(self.codes) if self.codes else np.zeros((0, variants), np.uint16),
            "level": np.concatenate(self.levels) if self.levels else np.zeros(0, np.float32),
            "duration": np.float32(self.seconds),
        }
        if self.query:
            result["weak"] = np.concatenate(self.weak) if self.weak else np.zeros((0, variants), np.uint16)
        return result


def analyse(
    blocks, *, query: bool, progress: Callable[[float, float | None], None] | None = None
) -> dict[str, np.ndarray]:
    """Codes of a stream of sample blocks (see Coder)."""
    coder = Coder(query=query)
    for block in blocks:
        coder.feed(block)
        if progress is not None:
            progress(coder.seconds, None)
    return coder.arrays()
