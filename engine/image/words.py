"""Visual words: ORB descriptors quantised to integers, so that an inverted file can look them up.

A word is a pair of cells, one per 128-bit half of the 256-bit descriptor (a product quantiser, as in
the inverted multi-index of Babenko & Lempitsky): each half goes to one of 2**HALF_BITS cells, and the
word is (cell of the first half) << HALF_BITS | (cell of the second half): 2**24 words. A half's cell
is found in a two-level tree (vocabulary trees, Nister & Stewenius): the nearest of 64 coarse binary
centroids, then the nearest of the 64 fine centroids under it, so a query compares each half with 128
centroids instead of 4,096.

The centroids (vocabulary.npy: per half 64 coarse then 64 x 64 fine, 16 bytes each, 133 KB) were
trained with k-majority (bench/train_image_vocabulary.py) on ORB descriptors of photos that neither
benchmark seed uses.

A word says little more: descriptors of unrelated photos that fall in one word still differ in ~38 of
256 bits (pool photos), a copy's descriptor in ~7 of its original's when both fall in the same word
(seed 1234). So each filed descriptor also carries a sign (Hamming embedding, Jegou et al.): 8 of its
bits, those that differ least between a copy and its original and most between unrelated descriptors
of one word (33% of unrelated pairs of a word agree on all 8, 84% of copy/original pairs do).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

BRANCHES = 64
HALF_BITS = 12  # log2(BRANCHES * BRANCHES)
VOCABULARY = Path(__file__).with_name("vocabulary.npy")
# Descriptor bits that make a sign, most telling first (chosen as in the module's docstring).
SIGN_BITS = np.array([66, 54, 170, 47, 97, 197, 238, 216])


@cache
def vocabulary() -> tuple[np.ndarray, np.ndarray]:
    """Coarse (2, 64, 2) and fine (2, 64, 64, 2) centroids, as pairs of uint64."""
    centroids = np.load(VOCABULARY, allow_pickle=False)
    assert centroids.shape == (2, BRANCHES * (BRANCHES + 1), 16), centroids.shape
    packed = np.ascontiguousarray(centroids).view(np.uint64)
    return packed[:, :BRANCHES], packed[:, BRANCHES:].reshape(2, BRANCHES, BRANCHES, 2)


def distances(rows: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Hamming distances (rows, centroids) between rows and centroids given as uint64 words."""
    total = np.zeros((len(rows), len(centroids)), np.uint16)
    for word in range(rows.shape[1]):
        total += np.bitwise_count(rows[:, word, None] ^ centroids[None, :, word])
    return total


def nearest(found: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k smallest values (uint16) of each row, smallest first; of equal values,
    the lower column first. Each value is packed with its column into one uint32, so that a plain
    partition finds both (faster than an argpartition)."""
    if k == 1:
        return np.argmin(found, axis=1)[:, None]
    assert found.shape[1] <= 1 << 16 and found.dtype == np.uint16, (found.shape, found.dtype)
    packed = (found.astype(np.uint32) << 16) | np.arange(found.shape[1], dtype=np.uint32)
    best = np.sort(np.partition(packed, k - 1, axis=1)[:, :k], axis=1)
    return (best & 0xFFFF).astype(np.int64)


def cells(halves: np.ndarray, coarse: np.ndarray, fine: np.ndarray, k: int = 1) -> np.ndarray:
    """The k nearest leaf cells (coarse * 64 + fine) of each half (uint64 pairs), nearest first: the
    leaves under the k nearest coarse centroids compete."""
    branches = nearest(distances(halves, coarse), k)
    under = fine[branches].reshape(len(halves), k * BRANCHES, 2)
    found = np.zeros((len(halves), k * BRANCHES), np.uint16)
    for word in range(2):
        found += np.bitwise_count(under[:, :, word] ^ halves[:, None, word])
    leaves = nearest(found, k)
    return branches[np.arange(len(halves))[:, None], leaves // BRANCHES] * BRANCHES + leaves % BRANCHES


def words(descriptors: np.ndarray, k: int = 1) -> np.ndarray:
    """Word ids (uint32) of each descriptor: (descriptors, k*k), the combinations of each half's k
    nearest cells (k=1: the one word each descriptor falls in)."""
    if len(descriptors) == 0:
        return np.zeros((0, k * k), np.uint32)
    coarse, fine = vocabulary()
    packed = np.ascontiguousarray(descriptors).view(np.uint64)
    first = cells(packed[:, :2], coarse[0], fine[0], k)
    second = cells(packed[:, 2:], coarse[1], fine[1], k)
    combined = (first[:, :, None] << HALF_BITS) | second[:, None, :]
    return combined.reshape(len(descriptors), k * k).astype(np.uint32)


def signs(descriptors: np.ndarray) -> np.ndarray:
    """The sign of each descriptor (uint8): its SIGN_BITS, the first as the highest bit."""
    if len(descriptors) == 0:
        return np.zeros(0, np.uint8)
    bits = np.unpackbits(np.ascontiguousarray(descriptors, np.uint8), axis=1)[:, SIGN_BITS]
    return np.packbits(bits, axis=1)[:, 0]


def k_majority(halves: np.ndarray, count: int, iterations: int = 12, seed: int = 0) -> np.ndarray:
    """k-majority clustering of 16-byte binary rows (Grana et al.): centroids are the bitwise
    majority of their members; an emptied cell restarts on a random row. Returns (count, 16) uint8."""
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(halves), count, replace=len(halves) < count)
    centroids = halves[chosen].copy()
    bits = np.unpackbits(halves, axis=1)
    packed = np.ascontiguousarray(halves).view(np.uint64)
    for _ in range(iterations):
        owner = nearest(distances(packed, np.ascontiguousarray(centroids).view(np.uint64)), 1)[:, 0]
        counts = np.bincount(owner, minlength=count)
        ones = np.stack([np.bincount(owner, column, count) for column in bits.T], axis=1)
        centroids = np.packbits(ones * 2 > counts[:, None], axis=1)
        empty = counts == 0
        centroids[empty] = halves[rng.choice(len(halves), int(empty.sum()))]
    return centroids


def train(halves: np.ndarray, seed: int = 0) -> np.ndarray:
    """A two-level vocabulary for one half: 64 coarse centroids, then 64 fine ones in each coarse
    cell. Returns (64 + 64 * 64, 16) uint8."""
    coarse = k_majority(halves, BRANCHES, seed=seed)
    packed = np.ascontiguousarray(halves).view(np.uint64)
    owner = nearest(distances(packed, np.ascontiguousarray(coarse).view(np.uint64)), 1)[:, 0]
    fine = [
        k_majority(halves[owner == branch], BRANCHES, seed=seed + 1 + branch) for branch in range(BRANCHES)
    ]
    return np.concatenate([coarse, *fine])
