"""How often a copy's keypoint falls in its original's visual word: ORB with the engine's words against
SIFT with k-means words, on one corpus's image queries.

Usage: python -m bench.local_feature_words PHOTOS_DIR CORPUS_DIR

The index finds candidates by the words their filed keypoints share with the query's
(engine/image/index.py), so a local feature is only as good there as the share of a copy's verified
keypoint pairs that land in one word, at a given share of unrelated pairs that do. For every positive
image query of CORPUS_DIR and its original in PHOTOS_DIR (bench/build_photo_library.py), the pairs
verification keeps (the better orientation; SIFT verified as bench/compare_local_features.py does), then:
- ORB: the engine's words (engine/image/words.py), the query's own word and its 4 nearest;
- SIFT (RootSIFT: square roots of the L1-normalised descriptor): each 64-value half quantised to the
  nearest of K k-means centroids (K x K words, K = 256, 1,024, 4,096), trained on ~150,000 descriptors
  of pool photos (those no benchmark seed uses: bench/train_image_vocabulary.py); own word, and the
  4 words of each half's 2 nearest centroids.
The unrelated rate is that of 200,000 random pairs of descriptors of different library pictures. Nothing
here is used by the portal; signs (Hamming embedding) would cut both rates.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from bench.api_images import SUFFIXES
from bench.compare_local_features import agreeing_sift_pairs, sift_keypoints
from bench.train_image_vocabulary import training_photos
from engine.base import MediaInput, unpack_arrays
from engine.image.fingerprinter import ImageFingerprinter
from engine.image.verification import two_nearest, verify
from engine.image.words import words

fingerprinter = ImageFingerprinter()
PAIRS = 200_000


def rootsift(descriptors: np.ndarray) -> np.ndarray:
    ones = descriptors / np.maximum(descriptors.sum(axis=1, keepdims=True), 1e-6)
    return np.sqrt(ones).astype(np.float32)


def sift_pairs(query, library) -> tuple[np.ndarray, np.ndarray]:
    """The agreeing pairs' descriptors (query's, library's)."""
    mine, theirs = agreeing_sift_pairs(query, library)
    return query[1][mine].reshape(-1, 128), library[1][theirs].reshape(-1, 128)


def orb_pairs(query: dict, library: dict) -> tuple[np.ndarray, np.ndarray]:
    """The pairs verify() keeps between the query's better orientation and the library picture."""
    best = (np.zeros((0, 32), np.uint8),) * 2
    for side in ("", "_mirrored"):
        q_desc, l_desc = query["descriptors" + side], library["descriptors"]
        inliers, transform = verify(query["points" + side], q_desc, library["points"], l_desc)
        if transform is None or inliers <= len(best[0]):
            continue
        # verify() returns counts: find its pairs again (same steps, same seed) to keep them.
        distances, nearest = two_nearest(q_desc, l_desc)
        good = np.flatnonzero(distances[:, 0] < 0.8 * distances[:, 1])
        good = good[np.argsort(distances[good, 0], kind="stable")]
        good = np.sort(good[np.unique(nearest[good, 0], return_index=True)[1]])
        src = query["points" + side][good].astype(np.float32)
        dst = np.asarray(library["points"])[nearest[good, 0]].astype(np.float32)
        cv2.setRNGSeed(len(good))
        _, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=0.01)
        agreeing = good[mask.ravel().astype(bool)]
        best = (q_desc[agreeing], l_desc[nearest[agreeing, 0]])
    return best


def shared(query_words: np.ndarray, library_words: np.ndarray) -> float:
    return float((query_words == library_words[:, None]).any(axis=1).mean())


def nearest_centroids(rows: np.ndarray, centroids: np.ndarray, k: int) -> np.ndarray:
    norms = (centroids**2).sum(axis=1)
    found = [
        np.argsort(norms[None] - 2 * rows[at : at + 20_000] @ centroids.T, axis=1)[:, :k]
        for at in range(0, len(rows), 20_000)
    ]
    return np.concatenate(found)


def sift_words(rows: np.ndarray, vocabulary: list[np.ndarray], k: int) -> np.ndarray:
    halves = [nearest_centroids(rows[:, 64 * h : 64 * h + 64], vocabulary[h], k) for h in range(2)]
    return (halves[0][:, :, None] * len(vocabulary[0]) + halves[1][:, None, :]).reshape(len(rows), k * k)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("photos", type=Path)
    parser.add_argument("corpus", type=Path)
    args = parser.parse_args()
    truth = json.loads((args.corpus / "ground_truth.json").read_text())["queries"]
    pictures = {p.stem: p for p in sorted(args.photos.iterdir()) if p.suffix.lower() in SUFFIXES}
    orb, sift, orb_library, sift_library = [], [], {}, {}
    for query in (q for q in truth if q["modality"] == "image" and not q["negative"]):
        original = pictures[query["matches"][0]["library_id"]]
        path = args.corpus / query["path"]
        stored = unpack_arrays(fingerprinter.for_storage(fingerprinter.extract(MediaInput(path=original))))
        orb.append(orb_pairs(unpack_arrays(fingerprinter.extract(MediaInput(path=path))), stored))
        described = sift_keypoints(original)
        sift.append(
            max(
                (sift_pairs(sift_keypoints(path, m), described) for m in (False, True)),
                key=lambda p: len(p[0]),
            )
        )
        orb_library[original.stem] = stored["descriptors"]  # once a picture: pairs of two are unrelated
        sift_library[original.stem] = described[1]
    rng = np.random.default_rng(0)
    report = [
        "| feature, words | words probed | copy pairs sharing one | unrelated pairs sharing one |",
        "|---|---|---|---|",
    ]
    q, lib = (np.concatenate([p[side] for p in orb]) for side in (0, 1))
    mine, theirs = _unrelated(list(orb_library.values()), rng)
    for k in (1, 2):
        report.append(
            f"| ORB, the engine's 2**24 | {k * k} | {shared(words(q, k), words(lib)[:, 0]):.3f} "
            f"({len(q):,} pairs) | {shared(words(mine, k), words(theirs)[:, 0]):.1e} |"
        )
    training = [
        sift_keypoints(p)[1]
        for p in list(training_photos(sorted(args.corpus.parent.glob("corpus-*"))))[::4][:300]
    ]
    training = rootsift(np.concatenate([t for t in training if len(t)]))
    q, lib = (rootsift(np.concatenate([p[side] for p in sift])) for side in (0, 1))
    mine, theirs = (rootsift(rows) for rows in _unrelated(list(sift_library.values()), rng))
    for centroids in (256, 1024, 4096):
        vocabulary = [
            cv2.kmeans(
                training[:, 64 * h : 64 * h + 64],
                centroids,
                None,
                (cv2.TERM_CRITERIA_MAX_ITER, 15, 0),
                1,
                cv2.KMEANS_PP_CENTERS,
            )[2]
            for h in range(2)
        ]
        for k in (1, 2):
            report.append(
                f"| SIFT, {centroids} x {centroids} | {k * k} | "
                f"{shared(sift_words(q, vocabulary, k), sift_words(lib, vocabulary, 1)[:, 0]):.3f} "
                f"({len(q):,} pairs) | "
                f"{shared(sift_words(mine, vocabulary, k), sift_words(theirs, vocabulary, 1)[:, 0]):.1e} |"
            )
    print("\n".join(report))


def _unrelated(per_picture: list[np.ndarray], rng) -> tuple[np.ndarray, np.ndarray]:
    """PAIRS random pairs of descriptors of two different library pictures."""
    owners = np.concatenate([np.full(len(rows), n) for n, rows in enumerate(per_picture)])
    rows = np.concatenate(per_picture)
    mine, theirs = rng.integers(0, len(rows), PAIRS), rng.integers(0, len(rows), PAIRS)
    apart = owners[mine] != owners[theirs]
    return rows[mine[apart]], rows[theirs[apart]]


if __name__ == "__main__":
    main()
