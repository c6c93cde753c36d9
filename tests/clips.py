"""Video test clips cut from real videos (the SAM 2 gallery, in tests/fixtures at the test size) and edited
in-process (PyAV + OpenCV), each named after its edit (`dog-flip.mp4`). Ground truth is exact: query second
t shows library second start + t * speed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import av
import cv2
import numpy as np

from bench.video_files import write_h264
from tests.media import FIXTURES

WIDTH, HEIGHT = 480, 270
# Whole gallery videos (about 10 s each), with their original frame times, scaled to WIDTH x HEIGHT.
GALLERY = FIXTURES / "sam2-gallery"
SOURCES = {
    "dog": GALLERY / f"01_dog-{WIDTH}x{HEIGHT}.mp4",
    "blocks": GALLERY / f"03_blocks-{WIDTH}x{HEIGHT}.mp4",
    "juggle": GALLERY / f"05_default_juggle-{WIDTH}x{HEIGHT}.mp4",
    "cups": GALLERY / f"02_cups-{WIDTH}x{HEIGHT}.mp4",
    "coffee": GALLERY / f"04_coffee-{WIDTH}x{HEIGHT}.mp4",
}


@lru_cache(maxsize=2)
def decode(source: str) -> tuple[list[float], list[np.ndarray]]:
    times, frames = [], []
    with av.open(str(SOURCES[source])) as container:
        for frame in container.decode(video=0):
            times.append(float(frame.time))
            frames.append(frame.to_ndarray(format="rgb24", width=WIDTH, height=HEIGHT))
    return times, frames


def encode(path: Path, frames, fps: float = 25, bitrate: int = 800_000) -> Path:
    return write_h264(path, frames, fps, bitrate, preset="ultrafast")


def _letterbox(image):
    inner = cv2.resize(image, (WIDTH, int(HEIGHT * 0.72)), interpolation=cv2.INTER_AREA)
    out = np.zeros_like(image)
    top = (HEIGHT - inner.shape[0]) // 2
    out[top : top + inner.shape[0]] = inner
    return out


def _overlay(image):
    out = image.copy()
    out[int(HEIGHT * 0.82) :, :] = (out[int(HEIGHT * 0.82) :, :] * 0.3).astype(np.uint8)
    cv2.putText(
        out,
        "Breaking news: copied clip",
        (10, HEIGHT - 15),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.6,
        (255, 255, 255),
        1,
    )
    cv2.rectangle(out, (WIDTH - 70, 10), (WIDTH - 10, 45), (230, 40, 40), -1)
    cv2.putText(out, "TV9", (WIDTH - 62, 36), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
    return out


def _crop30(image):
    # 70% of width and height, off-centre, at one of the positions the library hashes parts at
    # (engine/video.py); crops between those positions are measured by the benchmark instead.
    height, width = int(HEIGHT * 0.7), int(WIDTH * 0.7)
    top, left = int((HEIGHT - height) * 0.25), int((WIDTH - width) * 0.75)
    return cv2.resize(image[top : top + height, left : left + width], (WIDTH, HEIGHT))


def _pip45(image, k):
    # The copy at 45% inside other footage (the "coffee" source, not in any test library).
    _, backdrop = decode("coffee")
    out = backdrop[k % len(backdrop)].copy()
    height, width = int(HEIGHT * 0.45), int(WIDTH * 0.45)
    top, left = int(HEIGHT * 0.1), int(WIDTH * 0.5)
    small = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    out[top : top + height, left : left + width] = small
    return out


EDITS = {
    "reencode": {"bitrate": 120_000},
    "quarter": {"frame": lambda im: cv2.resize(cv2.resize(im, (WIDTH // 4, HEIGHT // 4)), (WIDTH, HEIGHT))},
    "letterbox": {"frame": _letterbox},
    "brightness": {"frame": lambda im: cv2.convertScaleAbs(im, alpha=1.25, beta=25)},
    "greyscale": {"frame": lambda im: np.repeat(cv2.cvtColor(im, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)},
    "flip": {"frame": lambda im: np.ascontiguousarray(im[:, ::-1])},
    "overlay": {"frame": _overlay},
    "fps10": {"fps": 10},
    "speed110": {"speed": 1.1},
    "crop30": {"frame": _crop30},
    "pip45": {"frame_at": _pip45},
}


@dataclass
class Clip:
    path: Path
    source: str
    master_start: float
    master_end: float
    duration: float


def cut(folder: Path, source: str, start: float, duration: float, edit: str | None = None) -> Clip:
    """Query clip: `duration` seconds of `source` from `start`, with one named edit."""
    times, frames = decode(source)
    spec = EDITS.get(edit or "", {})
    fps = spec.get("fps", 25)
    speed = spec.get("speed", 1.0)
    frame_edit = spec.get("frame", lambda im: im)
    transform = spec.get("frame_at", lambda im, k: frame_edit(im))
    source_times = np.array(times)
    out = []
    for k in range(int(duration * fps)):
        wanted = start + k / fps * speed
        out.append(transform(frames[int(np.argmin(np.abs(source_times - wanted)))], k))
    name = f"{source}-{edit or 'plain'}-{start:g}s.mp4"
    encode(folder / name, out, fps=fps, bitrate=spec.get("bitrate", 800_000))
    return Clip(folder / name, source, start, start + duration * speed, duration)


def whole(folder: Path, source: str) -> Path:
    """The library copy of a source (re-encoded at the test size)."""
    times, frames = decode(source)
    return encode(folder / f"{source}.mp4", frames, fps=round(1 / float(np.median(np.diff(times)))))


def title_sequence(folder: Path, name: str, then: str | None, seconds: float = 6.0) -> Path:
    """Black, a static title card and colour bars (2 s each), then optionally a real source.
    Two of these share every low-information frame and nothing else."""
    black = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    card = np.full((HEIGHT, WIDTH, 3), (20, 30, 90), np.uint8)
    cv2.putText(card, "EPISODE 1", (110, 150), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
    bars = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    colours = [
        (192, 192, 192),
        (192, 192, 0),
        (0, 192, 192),
        (0, 192, 0),
        (192, 0, 192),
        (192, 0, 0),
        (0, 0, 192),
    ]
    for i, colour in enumerate(colours):
        bars[:, i * WIDTH // 7 : (i + 1) * WIDTH // 7] = colour
    per = int(25 * seconds / 3)
    frames = [black] * per + [card] * per + [bars] * per
    if then:
        times, real = decode(then)
        at = np.array(times)
        frames += [real[int(np.argmin(np.abs(at - i / 25)))] for i in range(25 * 4)]
    return encode(folder / f"{name}.mp4", frames)
