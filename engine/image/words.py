"""Visual words: SIFT descriptors quantised to integers, so that an inverted file can look them up.

Descriptors are compared as RootSIFT (the square roots of the L1-normalised descriptor, Arandjelovic
& Zisserman): Euclidean distance between those is the Hellinger kernel on the originals, which they
found to match better than plain L2 (not compared here).

A word is a pair of cells, one per 64-value half of the descriptor (a product quantiser, as in the
inverted multi-index of Babenko & Lempitsky): each half goes to one of 2**HALF_BITS cells, and the
word is (cell of the first half) << HALF_BITS | (cell of the second half): 2**24 words. A half's cell
is found in a two-level tree (vocabulary trees, Nister & Stewenius): the nearest of 64 coarse k-means
centroids, then the nearest of the 64 fine centroids under it, so a query compares each half with 128
centroids instead of 4,096 (a flat 4,096 found the same copies in the replay of 2,000 pictures).

The centroids and the sign projection (vocabulary.npz, ~1 MB; bench/train_image_vocabulary.py) were
trained on SIFT descriptors of photos that no benchmark seed uses.

Why SIFT, not ORB (which this index used until image-dct256-sift replaced image-dct256-orb): a copy's
verified ORB pairs fell in their original's word 22% of the time (32% with 4 words probed), SIFT
pairs 50% (70%), so crops and overlays were found among candidates far less often
(docs/eval/local-features-seed99.md). Each filed descriptor also carries an 8-bit sign (Hamming
embedding, Jegou et al.): the signs of 8 random projections of its RootSIFT against their medians
over the training descriptors, so that a query first reads the postings of its own word whose sign
agrees.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

BRANCHES = 64
HALF_BITS = 12  # log2(BRANCHES * BRANCHES)
DESCRIPTOR_SIZE = 128
HALF = DESCRIPTOR_SIZE // 2
SIGN_BITS = 8
VOCABULARY = Path(__file__).with_name("vocabulary.npz")


def rootsift(descriptors: np.ndarray) -> np.ndarray:
    """RootSIFT rows (float32) of SIFT descriptors (uint8 rows of 128)."""
    rows = np.asarray(descriptors, np.float32)
    return np.sqrt(rows / np.maximum(rows.sum(axis=1, keepdims=True), 1e-6))


@cache
def vocabulary() -> dict[str, np.ndarray]:
    """coarse (2, 64, 64) and fine (2, 64, 64, 64) centroids per half with their squared norms, the
    sign projection (128, 8) and its medians (8), as float32."""
    with np.load(VOCABULARY, allow_pickle=False) as stored:
        found = {
            name: stored[name].astype(np.float32) for name in ("coarse", "fine", "projection", "medians")
        }
    assert found["coarse"].shape == (2, BRANCHES, HALF), found["coarse"].shape
    assert found["fine"].shape == (2, BRANCHES, BRANCHES, HALF), found["fine"].shape
    assert found["projection"].shape == (DESCRIPTOR_SIZE, SIGN_BITS), found["projection"].shape
    found["coarse_norms"] = (found["coarse"] ** 2).sum(axis=-1)
    found["fine_norms"] = (found["fine"] ** 2).sum(axis=-1)
    return found


def nearest(distances: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k smallest values of each row, smallest first (of equal values, the
    lower column first)."""
    if k == 1:
        return np.argmin(distances, axis=1)[:, None]
    best = np.argpartition(distances, k - 1, axis=1)[:, :k]
    order = np.lexsort((best, np.take_along_axis(distances, best, axis=1)), axis=1)
    return np.take_along_axis(best, order, axis=1)


def cells(halves: np.ndarray, half: int, k: int = 1) -> np.ndarray:
    """The k nearest leaf cells (coarse * 64 + fine) of each half (float32 rows of descriptor half
    `half`), nearest first: the leaves under the k nearest coarse centroids compete. Distances are
    compared less each row's own norm (the same order): centroid norms (made once) minus twice the
    dot products. The fine level is one matrix product per coarse cell, of the rows that reached it:
    4.5 against 15.5 ms a query (k=2, 1,200 descriptors, one core) for a small product per row with
    its own 128 gathered centroids, the same cells for 85,044 of 85,044 rows (2026-12-04)."""
    trained = vocabulary()
    coarse, fine, fine_norms = trained["coarse"][half], trained["fine"][half], trained["fine_norms"][half]
    branches = nearest(trained["coarse_norms"][half] - 2 * halves @ coarse.T, k)
    reached = branches.ravel()
    rows = np.repeat(np.arange(len(halves)), k)
    order = np.argsort(reached, kind="stable")
    bounds = np.searchsorted(reached[order], np.arange(BRANCHES + 1))
    scores = np.empty((len(reached), BRANCHES), np.float32)
    for branch in np.flatnonzero(np.diff(bounds)):
        chosen = order[bounds[branch] : bounds[branch + 1]]
        scores[chosen] = fine_norms[branch] - 2 * (halves[rows[chosen]] @ fine[branch].T)
    leaves = nearest(scores.reshape(len(halves), k * BRANCHES), k)
    return branches[np.arange(len(halves))[:, None], leaves // BRANCHES] * BRANCHES + leaves % BRANCHES


def words(descriptors: np.ndarray, k: int = 1) -> np.ndarray:
    """Word ids (uint32) of each descriptor: (descriptors, k*k), the combinations of each half's k
    nearest cells (k=1: the one word each descriptor falls in)."""
    if len(descriptors) == 0:
        return np.zeros((0, k * k), np.uint32)
    rows = rootsift(descriptors)
    first = cells(np.ascontiguousarray(rows[:, :HALF]), 0, k)
    second = cells(np.ascontiguousarray(rows[:, HALF:]), 1, k)
    combined = (first[:, :, None] << HALF_BITS) | second[:, None, :]
    return combined.reshape(len(descriptors), k * k).astype(np.uint32)


def signs(descriptors: np.ndarray) -> np.ndarray:
    """The sign of each descriptor (uint8): bit i set when its RootSIFT's projection i is above that
    projection's median."""
    if len(descriptors) == 0:
        return np.zeros(0, np.uint8)
    trained = vocabulary()
    above = rootsift(descriptors) @ trained["projection"] > trained["medians"]
    return (above.astype(np.uint8) << np.arange(SIGN_BITS, dtype=np.uint8)).sum(axis=1, dtype=np.uint8)


def train(rows: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """A vocabulary (as vocabulary() returns it) trained on RootSIFT rows: per half, k-means of 64
    coarse centroids, then 64 fine ones among the rows of each coarse cell (FAISS's k-means); the
    sign projection drawn at random, its medians those of the rows."""
    import faiss  # only training needs FAISS's k-means here

    coarse, fine = [], []
    for half in range(2):
        values = np.ascontiguousarray(rows[:, half * HALF : (half + 1) * HALF], np.float32)
        top = faiss.Kmeans(HALF, BRANCHES, niter=25, seed=seed + half + 1)
        top.train(values)
        owner = top.index.search(values, 1)[1][:, 0]
        under = []
        for branch in range(BRANCHES):
            members = values[owner == branch]
            # A cell with fewer rows than fine centroids repeats them (k-means needs one a centroid).
            members = np.resize(members, (max(len(members), BRANCHES), HALF)) if len(members) else values
            low = faiss.Kmeans(HALF, BRANCHES, niter=20, seed=seed + 100 + branch)
            low.train(np.ascontiguousarray(members))
            under.append(low.centroids)
        coarse.append(top.centroids)
        fine.append(np.stack(under))
    projection = (
        np.random.default_rng(seed + 7).standard_normal((DESCRIPTOR_SIZE, SIGN_BITS)).astype(np.float32)
    )
    return {
        "coarse": np.stack(coarse),
        "fine": np.stack(fine),
        "projection": projection,
        "medians": np.median(rows @ projection, axis=0).astype(np.float32),
    }
