"""Calibrates how bench/scale_image.py draws its synthetic SIFT codes, on real pictures its pool does
not hold.

Usage: python -m bench.calibrate_scale_image CORPUS_DIR PHOTOS_DIR [--noise 0 3 6 9 12 18 24]
       (CORPUS_DIR: a corpus of bench/build_corpus.sh, for the pool as scale_image makes it; the real
       pictures are the library pictures of every corpus beside it (each file once) and those of
       PHOTOS_DIR, a folder of bench/build_photo_library.py, of which one frame a video: its frames
       of one video share much of their scenes, as a library of distinct pictures would not)

Two things of a synthetic library must look like a real one's, for lookup work and candidates to be
what a real library of that size would give:
- how words gather postings. A synthetic posting's word is a pool descriptor's moved by Gaussian noise:
  with none, a 10 M library would repeat the pool's few hundred thousand words only; with much, words
  spread as no real descriptors do. For each noise level, as many descriptors as the real pictures
  file are drawn and their words compared with the real ones' by the share of distinct words and the
  mean postings sharing a posting's word (sum of squared counts / postings: what a lookup reads a code);
- how signs of different pictures' descriptors differ within a word: scale_image draws a posting's sign
  from its word's centre, each bit flipped with probability SIGN_NOISE. Measured here on pairs of real
  descriptors of different pictures in one word: how often each bit agrees and how often the two signs
  are at most SIGN_RADIUS bits apart (what a lookup lets through), beside what the model gives.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from pathlib import Path

import numpy as np

from bench.scale_image import cached, pool_items, sampled_words
from engine.base import unpack_arrays
from engine.image.fingerprinter import ImageFingerprinter
from engine.image.index import ImageIndex
from engine.image.reading import read_image
from engine.image.words import signs, words

fingerprinter = ImageFingerprinter()


def real_pictures(corpora: list[Path], photos: Path) -> list[Path]:
    """The corpora's library pictures, each content once, and PHOTOS_DIR's pictures but for all
    frames of a video after its first."""
    found, seen = [], set()
    for corpus in corpora:
        for path in sorted((corpus / "library/image").iterdir()):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                found.append(path)
    videos = set()
    with open(photos / "sources.csv", newline="") as listing:
        for row in csv.DictReader(listing):
            if row["origin"].endswith(" frame"):
                if row["origin"] in videos:
                    continue
                videos.add(row["origin"])
            elif row["origin"].startswith("corpus library item"):
                continue  # a corpus's, already taken
            found.append(photos / row["file"])
    return found


def real_filed(paths: list[Path]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(words, signs, picture number) of the descriptors the index files for each picture, distinct
    codes per picture as engine/image/build.py files them."""
    made_words, made_signs, owners = [], [], []
    for number, path in enumerate(paths):
        try:
            fingerprint = fingerprinter.from_array(read_image(path), query=False)
        except Exception:  # noqa: BLE001 - a file OpenCV cannot read is left out
            continue
        filed = unpack_arrays(fingerprint)["descriptors"][: ImageIndex.INDEXED_KEYPOINTS]
        codes = np.unique((words(filed)[:, 0].astype(np.int64) << 8) | signs(filed))
        made_words.append(codes >> 8)
        made_signs.append((codes & 255).astype(np.uint8))
        owners.append(np.full(len(codes), number, np.int64))
    return np.concatenate(made_words), np.concatenate(made_signs), np.concatenate(owners)


def gathering(found_words: np.ndarray) -> dict[str, float]:
    counts = np.unique(found_words, return_counts=True)[1].astype(np.float64)
    top = np.sort(counts)[::-1][: max(1, len(counts) // 100)]
    return {
        "distinct": len(counts) / len(found_words),
        "per_posting": float((counts * counts).sum() / counts.sum()),
        "top_1pct": float(top.sum() / counts.sum()),
    }


def sign_pairs(found_words, found_signs, owners, rng, pairs: int = 2_000_000) -> np.ndarray:
    """Hamming distances of the signs of random pairs of descriptors of different pictures that share
    a word."""
    order = np.lexsort((owners, found_words))
    found_words, found_signs, owners = found_words[order], found_signs[order], owners[order]
    keys, starts, counts = np.unique(found_words, return_index=True, return_counts=True)
    shared = np.repeat(counts >= 2, counts)
    first = np.flatnonzero(shared)
    first = first[rng.integers(0, len(first), pairs)]
    group = np.searchsorted(starts, first, "right") - 1
    second = starts[group] + rng.integers(0, counts[group])
    keep = owners[first] != owners[second]
    differ = np.bitwise_xor(found_signs[first[keep]], found_signs[second[keep]])
    return np.unpackbits(differ[:, None], axis=1).sum(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("photos", type=Path)
    parser.add_argument("--noise", type=float, nargs="*", default=[0, 3, 6, 9, 12, 18, 24])
    args = parser.parse_args()
    corpora = sorted(args.corpus.parent.glob("corpus-*"))
    pool = cached("pool.pkl", lambda: pool_items(corpora))
    found_words, found_signs, owners = cached(
        f"calibration-{args.photos.name}.pkl", lambda: real_filed(real_pictures(corpora, args.photos))
    )
    pictures = len(np.unique(owners))
    print(
        f"{pictures} real pictures, {len(found_words):,} filed codes; pool {len(pool)} photos, "
        f"{sum(min(len(i['descriptors']), ImageIndex.INDEXED_KEYPOINTS) for i in pool):,} filed descriptors\n"
    )
    print(
        "| words of | distinct words / postings | postings sharing a posting's word | top 1% of words hold |"
    )
    print("|---|---|---|---|")
    real = gathering(found_words)
    print(
        f"| real pictures | {real['distinct']:.3f} | {real['per_posting']:.2f} | {real['top_1pct']:.3f} |",
        flush=True,
    )
    for noise in args.noise:
        drawn = gathering(sampled_words(pool, len(found_words), noise=noise, seed=11)[0])
        print(
            f"| pool + noise {noise:g} | {drawn['distinct']:.3f} | {drawn['per_posting']:.2f} | "
            f"{drawn['top_1pct']:.3f} |",
            flush=True,
        )
    distances = sign_pairs(found_words, found_signs, owners, np.random.default_rng(5))
    per_bit = 1 - distances.mean() / 8
    flip = (1 - np.sqrt(1 - 2 * (1 - per_bit))) / 2
    model = np.random.default_rng(6).binomial(8, 2 * flip * (1 - flip), len(distances))
    print(
        f"\nSigns of {len(distances):,} pairs of different pictures' descriptors in one word: each bit "
        f"agrees {per_bit:.3f}; all 8 agree {np.mean(distances == 0):.3f}; at most "
        f"{ImageIndex.SIGN_RADIUS} apart {np.mean(distances <= ImageIndex.SIGN_RADIUS):.3f}."
    )
    print(
        f"Model with SIGN_NOISE {flip:.3f} (each bit agreeing as measured): all 8 agree "
        f"{np.mean(model == 0):.3f}; at most {ImageIndex.SIGN_RADIUS} apart "
        f"{np.mean(model <= ImageIndex.SIGN_RADIUS):.3f}."
    )


if __name__ == "__main__":
    main()
