"""Audio test clips cut from real recordings (librosa's example data, in tests/fixtures) and edited
in-process (numpy, PyAV's encoders), each named after its transformation, e.g.
`vibe-ace-mp3_32k.mp3`."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from tests.media import FIXTURES

RATE = 22050
LIBROSA = FIXTURES / "librosa-data"
# The songs' first seconds, as far as the tests read them (the slow ten-hour test reads 30-90 s of
# sugar-plum); offsets in them are the originals' offsets.
SONGS = {
    "hungarian-dance": "Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra)-first20s.ogg",
    "vibe-ace": "Kevin_MacLeod_-_Vibe_Ace-first30s.ogg",
    "sugar-plum": "Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy-first90s.ogg",
    "fishin": "Karissa_Hobbs_-_Lets_Go_Fishin-first14s.ogg",
}
SPEECH = "198-209-0000.hq.ogg"


def source(name: str) -> Path:
    return LIBROSA / SONGS.get(name, name)


def samples(name: str, start: float = 0.0, seconds: float | None = None) -> np.ndarray:
    """Mono float32 at RATE."""
    with av.open(str(source(name))) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        parts = [
            out.to_ndarray().reshape(-1)
            for frame in container.decode(audio=0)
            for out in resampler.resample(frame)
        ]
    audio = np.concatenate(parts)
    first = int(start * RATE)
    return audio[first : None if seconds is None else first + int(seconds * RATE)]


def _noise(audio: np.ndarray, snr_db: float, pink: bool = False, seed: int = 5) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(len(audio))
    if pink:
        spectrum = np.fft.rfft(noise)
        spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1.0))
        noise = np.fft.irfft(spectrum, n=len(audio))
    noise *= np.sqrt(np.mean(audio**2) / (np.mean(noise**2) * 10 ** (snr_db / 10)))
    mixed = audio + noise
    return (mixed / max(1.0, np.abs(mixed).max() / 0.99)).astype(np.float32)


def _resample(audio: np.ndarray, factor: float) -> np.ndarray:
    """Played `factor` times faster: shorter, and every pitch up by the same factor."""
    positions = np.arange(0, len(audio) - 1, factor)
    return np.interp(positions, np.arange(len(audio)), audio).astype(np.float32)


def _band(audio: np.ndarray, low: float, high: float) -> np.ndarray:
    spectrum = np.fft.rfft(audio)
    freqs = np.fft.rfftfreq(len(audio), 1 / RATE)
    spectrum[(freqs < low) | (freqs > high)] = 0
    return np.fft.irfft(spectrum, n=len(audio)).astype(np.float32)


# name -> (what it does to the samples, file suffix, library seconds per query second)
EDITS = {
    "clean": (lambda a: a, "wav", 1.0),
    "noise0db": (lambda a: _noise(a, 0.0), "wav", 1.0),
    "pink0db": (lambda a: _noise(a, 0.0, pink=True), "wav", 1.0),
    "mp3_32k": (lambda a: a, "mp3", 1.0),
    "opus_24k": (lambda a: a, "opus", 1.0),
    "aac_m4a": (lambda a: a, "m4a", 1.0),
    "gain-12db": (lambda a: a * 10 ** (-12 / 20), "wav", 1.0),
    "clipped": (lambda a: np.clip(a * 10 ** (9 / 20), -1, 1), "wav", 1.0),
    "speed+5": (lambda a: _resample(a, 1.05), "wav", 1.05),
    "speed-5": (lambda a: _resample(a, 0.95), "wav", 0.95),
    "pitch+1": (lambda a: _pitch(a, 1.0), "wav", 1.0),
    "pitch-1": (lambda a: _pitch(a, -1.0), "wav", 1.0),
    "tempo+5": (lambda a: _tempo(a, 1.05), "wav", 1.05),
    "phone": (lambda a: _noise(_band(a, 300, 3400), 10.0), "wav", 1.0),
}


def _pitch(audio: np.ndarray, semitones: float) -> np.ndarray:
    """Every pitch moved by `semitones`, the tempo kept: stretched, then played faster by as much."""
    factor = 2 ** (semitones / 12)
    return _resample(_stretch(audio, 1 / factor), factor)[: len(audio)]


def _tempo(audio: np.ndarray, rate: float) -> np.ndarray:
    return _stretch(audio, rate)


def _stretch(audio: np.ndarray, rate: float, size: int = 2048, hop: int = 512) -> np.ndarray:
    """Played `rate` times as fast with every pitch kept: a phase vocoder in numpy (librosa's needs
    half a minute of JIT compilation in a fresh environment before its first use)."""
    window = np.hanning(size)
    padded = np.pad(audio.astype(np.float64), size // 2)
    count = 1 + (len(padded) - size) // hop
    spectra = np.fft.rfft(padded[np.arange(size) + hop * np.arange(count)[:, None]] * window, axis=1)
    advance = 2 * np.pi * hop * np.arange(spectra.shape[1]) / size  # each bin's phase per hop
    steps = np.arange(0, count - 1, rate)
    phase = np.angle(spectra[0])
    out = np.zeros(hop * (len(steps) - 1) + size)
    weight = np.zeros_like(out)
    for k, step in enumerate(steps):
        i, frac = int(step), step - int(step)
        magnitude = (1 - frac) * np.abs(spectra[i]) + frac * np.abs(spectra[i + 1])
        out[k * hop : k * hop + size] += np.fft.irfft(magnitude * np.exp(1j * phase), n=size) * window
        weight[k * hop : k * hop + size] += window**2
        drift = np.angle(spectra[i + 1]) - np.angle(spectra[i]) - advance
        phase += advance + drift - 2 * np.pi * np.round(drift / (2 * np.pi))
    out /= np.maximum(weight, 1e-3)
    return out[size // 2 : size // 2 + int(round(len(audio) / rate))].astype(np.float32)


_ENCODERS = {
    "wav": ("pcm_s16le", None),
    "mp3": ("libmp3lame", 32_000),
    "opus": ("libopus", 24_000),
    "m4a": ("aac", 64_000),
    "flac": ("flac", None),
}


def write(path: Path, audio: np.ndarray, rate: int = RATE) -> Path:
    """Encode mono float samples into `path`; the container and codec follow the suffix."""
    codec, bitrate = _ENCODERS[path.suffix.lstrip(".")]
    out_rate = 48000 if codec == "libopus" else rate
    if out_rate != rate:
        audio = np.interp(np.arange(0, len(audio), rate / out_rate), np.arange(len(audio)), audio).astype(
            np.float32
        )
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=out_rate, layout="mono")
        if bitrate:
            stream.bit_rate = bitrate
        pcm = np.clip(audio, -1, 1)
        frame_size = 1024
        fmt = stream.codec_context.format.name if stream.codec_context.format else "s16"
        for start in range(0, len(pcm), frame_size):
            chunk = pcm[start : start + frame_size]
            if fmt.startswith("s16"):
                data = np.round(chunk * 32767).astype(np.int16)[None, :]
                frame = av.AudioFrame.from_ndarray(data, format="s16", layout="mono")
            else:
                frame = av.AudioFrame.from_ndarray(
                    chunk.astype(np.float32)[None, :], format="fltp", layout="mono"
                )
            frame.sample_rate = out_rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def edited(folder: Path, name: str, start: float, seconds: float, edit: str) -> tuple[Path, float]:
    """`seconds` of `name` from `start`, edited: (file, library seconds per query second)."""
    change, suffix, scale = EDITS[edit]
    audio = change(samples(name, start, seconds * scale + 0.5))[: int(seconds * RATE)]
    return write(folder / f"{name}-{edit}.{suffix}", audio), scale


def video_with_sound(path: Path, frames, fps: int, audio: np.ndarray) -> Path:
    """An H.264 + AAC mp4 of RGB `frames` and mono `audio` (at RATE)."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        video.options = {"preset": "ultrafast"}
        sound = container.add_stream("aac", rate=RATE, layout="mono")
        sound.bit_rate = 96_000
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        for start in range(0, len(audio), 1024):
            chunk = np.clip(audio[start : start + 1024], -1, 1).astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = RATE, start
            container.mux(sound.encode(frame))
        container.mux(video.encode(None))
        container.mux(sound.encode(None))
    return path
