"""Fingerprinting speed against plain decoding of the same file, in one run, on one core.

Usage: python -m bench.speed_video [VIDEO ...]   (default: a 60 s 720p25 H.264 file made from the
corpus's SAM2 gallery clips, written to bench/data/speed-720p25.mp4)

Plain decoding = every frame decoded by the same decoder (PyAV / FFmpeg's h264, one thread), no
conversion. Fingerprinting = VideoFingerprinter.extract on the same file, decode included. The ratio
is decode time / fingerprint time: 1.0 means fingerprinting costs no more than decoding alone.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import av  # noqa: E402

from engine.base import MediaInput  # noqa: E402
from engine.video.fingerprinter import VideoFingerprinter  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
GALLERY = REPO.parent / "shared" / "corpus" / "media" / "facebookresearch__sam2" / "demo" / "data" / "gallery"


def make_720p(path: Path, seconds: int = 60, bframes: bool = True) -> Path:
    """Concatenate the gallery clips (1280x720) into one 25 fps H.264 file (x264 defaults, with or
    without B-frames: without them no frame can be skipped)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    sources = sorted(GALLERY.glob("*.mp4"))
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.options = {"crf": "23"} if bframes else {"crf": "23", "bf": "0"}
        index = 0
        while index < seconds * 25:
            for source in sources:
                with av.open(str(source)) as container:
                    for frame in container.decode(video=0):
                        image = frame.to_ndarray(format="yuv420p")
                        new = av.VideoFrame.from_ndarray(image, format="yuv420p")
                        new.pts = index
                        index += 1
                        for packet in stream.encode(new):
                            out.mux(packet)
                        if index >= seconds * 25:
                            break
                if index >= seconds * 25:
                    break
        for packet in stream.encode():
            out.mux(packet)
    return path


def decode_only(path: Path) -> tuple[float, int, float]:
    started = time.perf_counter()
    frames = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        duration = float(stream.duration * stream.time_base) if stream.duration else 0.0
        for _ in container.decode(stream):
            frames += 1
    return time.perf_counter() - started, frames, duration


def fingerprint(path: Path) -> float:
    started = time.perf_counter()
    VideoFingerprinter().extract(MediaInput(path=path))
    return time.perf_counter() - started


def main(argv: list[str]) -> None:
    data = REPO / "bench" / "data"
    paths = [Path(p) for p in argv] or [
        make_720p(data / "speed-720p25.mp4"),
        make_720p(data / "speed-720p25-no-bframes.mp4", bframes=False),
    ]
    print(
        "| file | duration | decode only | fingerprint | realtime (fingerprint) | ratio decode/fingerprint |"
    )
    print("|---|---|---|---|---|---|")
    for path in paths:
        decode_times, fp_times = [], []
        for _ in range(3):  # interleaved, best of three each: the same machine state for both
            seconds, frames, duration = decode_only(path)
            decode_times.append(seconds)
            fp_times.append(fingerprint(path))
        d, f = min(decode_times), min(fp_times)
        print(
            f"| {path.name} | {duration:.1f} s | {d:.2f} s ({duration / d:.1f}x realtime) | {f:.2f} s "
            f"| {duration / f:.1f}x | {d / f:.2f} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
