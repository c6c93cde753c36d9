"""Archives for the bulk import speed benchmark (issue #16: "10 hours of audio and 2 hours of video").

Usage: python -m bench.build_import_archives OUT_DIR [--audio-hours 10] [--video-hours 2]

The real recordings and the real videos of ../shared/corpus/media that decode (PyAV), taken round-robin,
each linked (a hard link; a copy across file systems) under a new name until the duration is reached:
OUT_DIR/audio-10h and OUT_DIR/video-2h, each with sources.csv (file, origin, seconds). The corpus holds
about half an hour of each, so files repeat; an import that searches nothing (--save-type onlysave, as
bench/import_speed.py runs) decodes and fingerprints every file in full, repeated or not.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
from pathlib import Path

import av

MEDIA = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "media"
ENDINGS = {
    "audio": {".wav", ".mp3", ".flac", ".ogg", ".m4a", ".opus"},
    "video": {".mp4", ".webm", ".mkv", ".avi", ".mov", ".ogv"},
}


def seconds(path: Path, kind: str) -> float | None:
    """The file's duration when it has a stream of the kind that decodes, else None."""
    try:
        with av.open(str(path)) as container:
            streams = container.streams.video if kind == "video" else container.streams.audio
            if not streams:
                return None
            if next(container.decode(streams[0]), None) is None:
                return None
            return container.duration / av.time_base if container.duration else None
    except (av.error.FFmpegError, UnicodeDecodeError):
        return None


def build(kind: str, hours: float, out: Path) -> None:
    sources = []
    for path in sorted(MEDIA.rglob("*")):
        if path.is_file() and path.suffix.lower() in ENDINGS[kind]:
            duration = seconds(path, kind)
            if duration and duration >= 1:
                sources.append((path, duration))
    out.mkdir(parents=True, exist_ok=True)
    rows, total, turn = [], 0.0, 0
    while total < hours * 3600:
        path, duration = sources[turn % len(sources)]
        name = f"{kind}{turn:05d}{path.suffix.lower()}"
        try:
            os.link(path, out / name)
        except OSError:
            shutil.copyfile(path, out / name)
        rows.append((name, str(path.relative_to(MEDIA)), f"{duration:.2f}"))
        total += duration
        turn += 1
    with open(out / "sources.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([("file", "origin", "seconds"), *rows])
    print(f"{out}: {len(rows)} files, {total / 3600:.2f} h, from {len(sources)} corpus files")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--audio-hours", type=float, default=10)
    parser.add_argument("--video-hours", type=float, default=2)
    args = parser.parse_args()
    build("audio", args.audio_hours, args.out / f"audio-{args.audio_hours:g}h")
    build("video", args.video_hours, args.out / f"video-{args.video_hours:g}h")


if __name__ == "__main__":
    main()
