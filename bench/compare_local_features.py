"""Would another local feature verify the copies the image fingerprint misses? ORB (the engine's) against
OpenCV's SIFT, query by query.

Usage: python -m bench.compare_local_features PHOTOS_DIR CORPUS_DIR QUERY_ID [QUERY_ID ...]

For each query (an image query of CORPUS_DIR whose original is in PHOTOS_DIR, keyed by file stem as
bench/build_photo_library.py names them): the keypoint pairs that verification finds between the query
and its original with the engine's ORB fingerprints (engine/image/verification.py), and with SIFT
keypoints described at the same working size (~512 x 512 pixels, at most 600 keypoints, Lowe's ratio
test, one query keypoint per library keypoint, the same RANSAC similarity); both orientations of the
query, the better one kept; and, for SIFT, the most pairs it finds against 20 library pictures drawn
at random (not the original), as a check that its pairs still tell copies from unrelated pictures.
Nothing here is used by the portal: it says whether a new fingerprint is worth building.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from bench.api_images import SUFFIXES
from engine.base import MediaInput, unpack_arrays
from engine.image.fingerprinter import KEYPOINT_AREA, MAX_KEYPOINTS, MAX_UPSCALE, ImageFingerprinter
from engine.image.reading import read_image
from engine.image.verification import verify

fingerprinter = ImageFingerprinter()
sift = cv2.SIFT_create(nfeatures=MAX_KEYPOINTS)


def sift_keypoints(path: Path, mirrored: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """SIFT positions (normalised by the longer side) and descriptors at the fingerprint's working size."""
    grey = cv2.cvtColor(read_image(path), cv2.COLOR_BGR2GRAY)
    grey = cv2.flip(grey, 1) if mirrored else grey
    scale = min(MAX_UPSCALE, (KEYPOINT_AREA / (grey.shape[0] * grey.shape[1])) ** 0.5)
    grey = cv2.resize(
        grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    )
    found, descriptors = sift.detectAndCompute(grey, None)
    if descriptors is None:
        return np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32)
    return np.array([k.pt for k in found], np.float32) / max(grey.shape), descriptors


def agreeing_sift_pairs(query, library) -> tuple[np.ndarray, np.ndarray]:
    """(query keypoints, library keypoints) of the SIFT pairs that pass Lowe's ratio test, one query
    keypoint per library keypoint, and agree on one RANSAC similarity (as verify() does for ORB)."""
    (q_points, q_desc), (l_points, l_desc) = query, library
    none = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if len(q_desc) < 2 or len(l_desc) < 2:
        return none
    nearest = cv2.BFMatcher(cv2.NORM_L2).knnMatch(q_desc, l_desc, k=2)
    kept: dict[int, cv2.DMatch] = {}
    for first, second in (pair for pair in nearest if len(pair) == 2):
        if first.distance < 0.8 * second.distance and (
            first.trainIdx not in kept or first.distance < kept[first.trainIdx].distance
        ):
            kept[first.trainIdx] = first
    if len(kept) < 6:
        return none
    mine = np.array([pair.queryIdx for pair in kept.values()])
    theirs = np.array([pair.trainIdx for pair in kept.values()])
    cv2.setRNGSeed(len(kept))
    _, mask = cv2.estimateAffinePartial2D(
        q_points[mine], l_points[theirs], method=cv2.RANSAC, ransacReprojThreshold=0.01
    )
    if mask is None:
        return none
    agreeing = mask.ravel().astype(bool)
    return mine[agreeing], theirs[agreeing]


def sift_pairs(query, library) -> int:
    return len(agreeing_sift_pairs(query, library)[0])


def orb_pairs(query_path: Path, original: Path) -> int:
    query = unpack_arrays(fingerprinter.extract(MediaInput(path=query_path)))
    library = unpack_arrays(fingerprinter.for_storage(fingerprinter.extract(MediaInput(path=original))))
    return max(
        verify(
            query["points" + side], query["descriptors" + side], library["points"], library["descriptors"]
        )[0]
        for side in ("", "_mirrored")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("photos", type=Path)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("queries", nargs="+")
    args = parser.parse_args()
    truth = {q["id"]: q for q in json.loads((args.corpus / "ground_truth.json").read_text())["queries"]}
    pictures = {p.stem: p for p in sorted(args.photos.iterdir()) if p.suffix.lower() in SUFFIXES}
    rng = np.random.default_rng(0)
    print("| query | edits | ORB pairs | SIFT pairs | SIFT pairs, most against 20 others | SIFT ms |")
    print("|---|---|---|---|---|---|")
    for query_id in args.queries:
        query = truth[query_id]
        path, original = args.corpus / query["path"], pictures[query["matches"][0]["library_id"]]
        started = time.process_time()
        sides = [sift_keypoints(path), sift_keypoints(path, mirrored=True)]
        spent = (time.process_time() - started) / 2 * 1000
        described = sift_keypoints(original)
        others = [p for p in rng.choice(list(pictures.values()), 21, replace=False) if p != original][:20]
        against_others = max(sift_pairs(side, sift_keypoints(other)) for other in others for side in sides)
        edits = ", ".join(t["op"] for t in query["transforms"] if t["op"] != "save")
        print(
            f"| {query_id} | {edits} | {orb_pairs(path, original)} | "
            f"{max(sift_pairs(side, described) for side in sides)} | {against_others} | {spent:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
