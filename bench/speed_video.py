"""A whole video job's fingerprinting (pictures + sound, one decode) against plain decoding of the same
file, in one run, on one core.

Usage: taskset -c 0 python -m bench.speed_video [VIDEO ...]   (default: two 60 s 720p25 H.264 + AAC
files made from the corpus's SAM2 gallery clips and a librosa recording, one with B-frames and one
without, written to bench/data/)

Plain decoding = every video frame and every audio frame decoded by the same decoders (PyAV / FFmpeg,
one thread), no conversion: what any player must do. The video job = engine.extract.fingerprint_input
("video", ...): the picture and the sound fingerprints from one demux of the file, decode included.
Also timed: the picture fingerprint alone (what the previous benchmark measured). Ratios are plain
decoding time / fingerprinting time: 1.0 means fingerprinting costs no more than decoding alone.
Each is timed ROUNDS times, interleaved, and the best CPU time (process time) of each is kept.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import av  # noqa: E402
import numpy as np  # noqa: E402

from engine.base import MediaInput  # noqa: E402
from engine.extract import fingerprint_input  # noqa: E402
from engine.video.fingerprinter import VideoFingerprinter  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
MEDIA = REPO.parent / "shared" / "corpus" / "media"
GALLERY = MEDIA / "facebookresearch__sam2" / "demo" / "data" / "gallery"
MUSIC = MEDIA / "librosa__data" / "audio" / "Kevin_MacLeod_-_Vibe_Ace.hq.ogg"
SOUND_RATE = 44100
ROUNDS = 5


def _music(seconds: int) -> np.ndarray:
    """`seconds` of stereo music at SOUND_RATE (the recording repeated if it is shorter)."""
    with av.open(str(MUSIC)) as container:
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SOUND_RATE)
        parts = [out.to_ndarray() for f in container.decode(audio=0) for out in resampler.resample(f)]
    music = np.concatenate(parts, axis=1)
    return np.tile(music, (1, seconds * SOUND_RATE // music.shape[1] + 1))[:, : seconds * SOUND_RATE]


def _mux_music(out, stream, music: np.ndarray) -> None:
    for start in range(0, music.shape[1], 1024):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(music[:, start : start + 1024]), format="fltp", layout="stereo"
        )
        frame.sample_rate, frame.pts = SOUND_RATE, start
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def make_720p(path: Path, seconds: int = 60, bframes: bool = True) -> Path:
    """The gallery clips (1280x720) one after another as a 25 fps H.264 file (x264 defaults, with or
    without B-frames: without them no frame can be skipped) with 128 kbit/s AAC stereo music."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    sources = sorted(GALLERY.glob("*.mp4"))
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.options = {"crf": "23"} if bframes else {"crf": "23", "bf": "0"}
        sound = out.add_stream("aac", rate=SOUND_RATE, layout="stereo")
        sound.bit_rate = 128_000
        index = 0
        while index < seconds * 25:
            for source in sources:
                with av.open(str(source)) as container:
                    for frame in container.decode(video=0):
                        new = av.VideoFrame.from_ndarray(frame.to_ndarray(format="yuv420p"), format="yuv420p")
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
        _mux_music(out, sound, _music(seconds))
    return path


def decode_only(path: Path) -> tuple[float, float]:
    """CPU seconds to decode every picture and sound frame; the file's duration."""
    started = time.process_time()
    with av.open(str(path)) as container:
        streams = [*container.streams.video[:1], *container.streams.audio[:1]]
        for stream in streams:
            stream.thread_type = "NONE"
        duration = container.duration / 1e6 if container.duration else 0.0
        for packet in container.demux(*streams):
            for _ in packet.decode():
                pass
    return time.process_time() - started, duration


def timed(step, path: Path) -> float:
    """CPU seconds of one run of `step` (CPU time, so that other work on the machine does not count)."""
    started = time.process_time()
    step(path)
    return time.process_time() - started


def main(argv: list[str]) -> None:
    data = REPO / "bench" / "data"
    paths = [Path(p) for p in argv] or [
        make_720p(data / "speed-720p25-aac.mp4"),
        make_720p(data / "speed-720p25-aac-no-bframes.mp4", bframes=False),
    ]
    steps = {
        "video job (pictures + sound)": lambda p: fingerprint_input("video", MediaInput(path=p)),
        "pictures only": lambda p: VideoFingerprinter().extract(MediaInput(path=p)),
    }
    print(
        "| file | duration | plain decoding | video job (pictures + sound) | ratio | pictures only | ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    for path in paths:
        best = {"decode": float("inf"), **dict.fromkeys(steps, float("inf"))}
        duration = 0.0
        for _ in range(ROUNDS):  # interleaved, best of each: the same machine state for all
            seconds, duration = decode_only(path)
            best["decode"] = min(best["decode"], seconds)
            for name, step in steps.items():
                best[name] = min(best[name], timed(step, path))
        d, job, pictures = best["decode"], best["video job (pictures + sound)"], best["pictures only"]
        print(
            f"| {path.name} | {duration:.1f} s | {d:.2f} s ({duration / d:.1f}x realtime) "
            f"| {job:.2f} s ({duration / job:.1f}x) | {d / job:.2f} | {pictures:.2f} s | {d / pictures:.2f} |"
        )
    print(f"\nnumpy {np.__version__}, PyAV {av.__version__}, one core (run under taskset -c 0)")


if __name__ == "__main__":
    main(sys.argv[1:])
