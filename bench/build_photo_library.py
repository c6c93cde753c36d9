"""A library of real pictures for the image benchmark through the REST API (issue #15: "an image
library of 2,000 real photos answers every query").

Usage: python -m bench.build_photo_library CORPUS_DIR OUT_DIR [--count 2000] [--extra FOLDER ...]

First the library pictures of CORPUS_DIR, an image corpus built by bench/build_corpus.sh (so its
queries have their originals in the library). Then the pictures under each --extra folder (e.g.
Debian's desktop background photos: gnome-backgrounds, plasma-workspace-wallpapers, desktop-base,
unpacked with `dpkg -x`), one file per wallpaper (the largest of its sizes). The rest are frames of
the real videos in ../shared/corpus/media (camera footage, animation, screen recordings), ten per
second, a frame kept only when its 256-bit DCT hash is at least 12 bits from every frame kept before
from that video (no near-copies of one shot), scaled to at most 1280 pixels wide, saved as JPEG
quality 90, taken round-robin over the videos so that no one video dominates. Writes the pictures
and OUT_DIR/sources.csv (file, origin).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

import cv2
import numpy as np

from engine.image.fingerprinter import dct_hash
from engine.image.index import hamming

MEDIA = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "media"
VIDEO_SUFFIXES = {".mp4", ".webm", ".mkv", ".avi", ".mov", ".ogv"}
MIN_BITS = 12


def distinct_frames(path: Path, limit: int) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    kept, hashes, number = [], [], 0
    while len(kept) < limit:
        ok, frame = capture.read()
        if not ok:
            break
        number += 1
        if number % max(1, round(fps / 10)) != 1:
            continue
        code = dct_hash(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        if hashes and hamming(np.array(hashes), code).min() < MIN_BITS:
            continue
        hashes.append(code)
        if frame.shape[1] > 1280:
            frame = cv2.resize(frame, (1280, round(frame.shape[0] * 1280 / frame.shape[1])), cv2.INTER_AREA)
        kept.append(frame)
    capture.release()
    return kept


def extra_pictures(folders: list[Path]) -> list[Path]:
    """Decodable pictures under the folders, one per wallpaper (the largest file of its sizes)."""
    best: dict[Path, Path] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in {".jpg", ".jpeg", ".png"} or not path.is_file():
                continue
            group = (
                path.parents[len(path.parts) - 1 - path.parts.index("contents")]
                if "contents" in path.parts
                else path
            )
            if group not in best or path.stat().st_size > best[group].stat().st_size:
                best[group] = path
    kept, hashes = [], []
    for path in sorted(best.values()):
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is None or min(image.shape) < 64:
            continue
        code = dct_hash(image)
        if hashes and hamming(np.array(hashes), code).min() < MIN_BITS:
            continue
        hashes.append(code)
        kept.append(path)
    return kept


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--extra", type=Path, action="append", default=[])
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    truth = json.loads((args.corpus / "ground_truth.json").read_text())
    for item in truth["library"]:
        if item["modality"] == "image":
            source = args.corpus / item["path"]
            shutil.copyfile(source, args.out / f"{item['id']}{source.suffix}")
            rows.append((f"{item['id']}{source.suffix}", f"corpus library item {item['id']}"))
    for picture in extra_pictures(args.extra):
        name = f"extra{len(rows):05d}{picture.suffix.lower()}"
        shutil.copyfile(picture, args.out / name)
        rows.append((name, str(picture)))
    videos = sorted(p for p in MEDIA.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES)
    frames = {video: distinct_frames(video, args.count) for video in videos}
    turn = 0
    while len(rows) < args.count and any(frames.values()):
        for video in videos:
            if frames[video] and len(rows) < args.count:
                name = f"frame{turn:05d}.jpg"
                cv2.imwrite(str(args.out / name), frames[video].pop(0), [cv2.IMWRITE_JPEG_QUALITY, 90])
                rows.append((name, f"{video.relative_to(MEDIA)} frame"))
                turn += 1
    with open(args.out / "sources.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([("file", "origin"), *rows])
    print(f"{len(rows)} pictures in {args.out} ({turn} video frames from {len(videos)} videos)")


if __name__ == "__main__":
    main()
