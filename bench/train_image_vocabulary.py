"""Train the image vocabulary (engine/image/vocabulary.npz) on photos that no benchmark seed uses.

Usage: python -m bench.train_image_vocabulary CORPUS_DIR [CORPUS_DIR ...] [--out engine/image/vocabulary.npz]

The photos are those the corpus builder draws from (the Debian opencv-doc and mate-backgrounds
packages unpacked by bench/build_corpus.sh, scikit-image's data, the shared media), minus every file
whose name any of the given corpora uses as a library item or a negative: the vocabulary never sees a
picture the evaluation asks about (the shipped one: corpora of seeds 99, 1234, 2026, 4711 and 5309).
SIFT descriptors are made as the fingerprinter makes them, from every --every-th photo; each 64-value
half of their RootSIFT gets a two-level tree of k-means centroids (engine/image/words.py), stored as
float16 (distances change by ~1e-3 of a centroid's spread; the words measured are this file's).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from engine.image.fingerprinter import keypoints
from engine.image.words import rootsift, train

REPO = Path(__file__).resolve().parent.parent
POOLS = [
    REPO / "bench/.corpus-tools/debroot",
    REPO / "bench/.corpus-tools/venv",
    REPO.parent / "shared/corpus/media",
]
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


def used_names(corpora: list[Path]) -> set[str]:
    names = set()
    for corpus in corpora:
        truth = json.loads((corpus / "ground_truth.json").read_text())
        for item in truth["library"] + truth["negative_sources"]:
            if item["modality"] == "image":
                names.add(Path(item["source_key"]).name.lower())
    return names


def training_photos(corpora: list[Path]) -> list[Path]:
    used = used_names(corpora)
    found = {}
    for pool in POOLS:
        for path in sorted(pool.rglob("*")):
            if path.suffix.lower() in SUFFIXES and path.name.lower() not in used:
                found.setdefault(path.name.lower(), path)
    return sorted(found.values())


def descriptors_of(photos: list[Path], min_side: int = 96) -> list[np.ndarray]:
    made = []
    for path in photos:
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if grey is None or min(grey.shape) < min_side:
            continue
        made.append(keypoints(grey)[1])
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=REPO / "engine/image/vocabulary.npz")
    parser.add_argument("--every", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    photos = training_photos(args.corpora)
    per_photo = descriptors_of(photos[:: args.every])
    descriptors = np.concatenate(per_photo)
    print(f"{len(per_photo)} photos ({len(photos)} files), {len(descriptors)} descriptors")
    trained = train(rootsift(descriptors))
    stored = {
        name: values.astype(np.float16) for name, values in trained.items() if name in ("coarse", "fine")
    }
    np.savez(args.out, **stored, projection=trained["projection"], medians=trained["medians"])
    print(f"wrote {args.out} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
