"""Verification of an image candidate: does the query show (part of) this library picture?

Each query keypoint's two nearest library keypoints (brute-force Euclidean k-NN on RootSIFT, ~600 x 600
descriptors a candidate), Lowe's ratio test, one query keypoint per library keypoint, then a RANSAC
similarity transform; the transform also names the edit the review page shows (edits_seen).

The distances are one matrix product (BLAS) and a pass for each row's two largest scores (two_nearest):
1.55 ms a candidate on 400 real pairs of pictures against 2.84 ms with FAISS's IndexFlatL2, the same
pairs and ratio decisions in all 400 (2026-12-04), then less. Verification is what a query spends most
on, so this decides how many candidates a query can afford to verify; a search first takes a look
with the query's strongest keypoints only (worth_verifying) and verifies in full only the candidates
that pass it.
"""

from __future__ import annotations

import cv2
import numpy as np

# Lowe's ratio, on squared distances.
RATIO_SQUARED = 0.8**2


def two_nearest(query: np.ndarray, library: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(squared distances, positions), each (len(query), 2): every query row's two nearest library
    rows (RootSIFT rows: words.rootsift), nearest first (of equal distances, the lower library
    position); library needs at least two rows.

    RootSIFT rows have unit length (the square roots of an L1-normalised row), so a squared distance
    is 2 - 2 x their dot product: the product and a pass for each row's two largest, where the
    distances themselves took three passes (1.2 against 0.83 ms a pair of real pictures, one core)."""
    scores = query @ library.T
    rows = np.arange(len(query))
    first = scores.argmax(axis=1)
    nearest = scores[rows, first]
    scores[rows, first] = -np.inf
    second = scores.argmax(axis=1)
    found = 2 - 2 * np.stack([nearest, scores[rows, second]], axis=1)
    return np.maximum(found, 0), np.stack([first, second], axis=1)


# Largest change of scale a copy may have (points are normalised by the picture's longer side).
MAX_SCALE = 8.0


def verify(q_points, q_roots, l_points, l_roots) -> tuple[int, np.ndarray | None]:
    """Keypoint pairs that pass Lowe's ratio test and agree on one similarity transform, and that
    transform (query positions to library positions), from both pictures' keypoints and their
    descriptors as RootSIFT rows (words.rootsift: made once a picture, not once a pair). A transform
    shrinking or growing the picture more than MAX_SCALE times is none (it may bring many query points
    onto one library point that many of them were paired with)."""
    if len(l_roots) < 2 or len(q_roots) < 2:
        return 0, None
    two_distances, two = two_nearest(q_roots, l_roots)
    best = two_distances[:, 0]
    good = np.flatnonzero(best < RATIO_SQUARED * two_distances[:, 1])
    # One query keypoint per library keypoint (the closest): pairs sharing a library keypoint would
    # all agree with a transform that shrinks the query onto it.
    good = good[np.argsort(best[good], kind="stable")]
    good = np.sort(good[np.unique(two[good, 0], return_index=True)[1]])
    if len(good) < 6:
        return 0, None
    src = q_points[good].astype(np.float32)
    dst = np.asarray(l_points)[two[good, 0]].astype(np.float32)
    cv2.setRNGSeed(len(good))  # RANSAC samples at random: same inputs, same answer
    transform, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=0.01)
    if mask is None or not 1 / MAX_SCALE <= float(np.hypot(*transform[0, :2])) <= MAX_SCALE:
        return 0, None
    return int(mask.sum()), transform


# A first look before verifying a candidate in full: its pairs with the query's first
# PREVIEW_KEYPOINTS keypoints (the strongest of each part of the picture: fingerprinter._spread's
# order) must agree on a transform by PREVIEW_MIN_INLIERS or more. Among 2,000 real pictures (seeds 99
# and 4711, every candidate a search verifies: 7,968), every candidate verified in full (265) had 6 or
# more such pairs, and 93-94% of the others had fewer than 3 (2026-12-04): a rejected candidate costs a
# third of a full verification.
PREVIEW_KEYPOINTS = 200
PREVIEW_MIN_INLIERS = 3


def worth_verifying(q_points, q_roots, l_points, l_roots) -> bool:
    """Whether the query's first PREVIEW_KEYPOINTS keypoints already agree with the candidate's on a
    transform by PREVIEW_MIN_INLIERS pairs (a query no bigger than that: always). Arguments as
    verify's."""
    if len(q_roots) <= PREVIEW_KEYPOINTS:
        return True
    first = slice(0, PREVIEW_KEYPOINTS)
    return verify(q_points[first], q_roots[first], l_points, l_roots)[0] >= PREVIEW_MIN_INLIERS


# A copy's picture is named cropped or inset when its longer side spans a tenth less or more of the
# library picture's, and rotated from 3 degrees (positions are normalised by the longer side, so a
# copy resized whole shows neither).
SPAN_TOLERANCE = 0.1
ROTATION_MIN_DEGREES = 3.0


def edits_seen(transform: np.ndarray | None, *, mirrored: bool) -> list[str]:
    """The edit a local match's transform shows, in words for the review page."""
    changes = ["mirrored"] if mirrored else []
    if transform is None:
        return changes
    scale = float(np.hypot(*transform[0, :2]))
    degrees = float(np.degrees(np.arctan2(transform[1, 0], transform[0, 0])))
    if scale < 1 - SPAN_TOLERANCE:
        changes.append(f"cropped: the upload spans about {scale:.0%} of the library picture's longer side")
    elif scale > 1 + SPAN_TOLERANCE:
        changes.append(
            f"inset: the library picture spans about {1 / scale:.0%} of the upload's longer side "
            "(a border, a picture in a picture, a collage)"
        )
    if abs(degrees) >= ROTATION_MIN_DEGREES:
        changes.append(f"rotated {abs(degrees):.0f}°")
    return changes
