"""Visual words: ORB descriptors quantised to integers, so that an inverted file can look them up.

A word is a pair of cells, one per 128-bit half of the 256-bit descriptor (a product quantiser, as in
the inverted multi-index of Babenko & Lempitsky): each half goes to the nearest of 2**HALF_BITS binary
centroids, and the word is (cell of the first half) << HALF_BITS | (cell of the second half). 2**12
centroids per half give 2**24 words from 2 x 4096 x 16 bytes of centroids (128 KB), and a query
quantises its descriptors against 8,192 centroids instead of millions.

The centroids (vocabulary.npy) were trained with k-majority (bench/train_image_vocabulary.py) on ORB
descriptors of photos that neither benchmark seed uses.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np

HALF_BITS = 12
VOCABULARY = Path(__file__).with_name("vocabulary.npy")


@cache
def vocabulary() -> np.ndarray:
    """The centroids: (2 halves, 2**HALF_BITS, 16 bytes) uint8."""
    centroids = np.load(VOCABULARY, allow_pickle=False)
    assert centroids.shape == (2, 2**HALF_BITS, 16), centroids.shape
    return centroids


def nearest(halves: np.ndarray, centroids: np.ndarray, k: int = 1) -> np.ndarray:
    """For each 16-byte row, the indices of its k nearest centroids (Hamming), nearest first."""
    if len(halves) == 0:
        return np.zeros((0, k), np.int64)
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(np.ascontiguousarray(halves), centroids, k=k)
    return np.array([[m.trainIdx for m in row] for row in pairs], np.int64).reshape(-1, k)


def words(descriptors: np.ndarray, k: int = 1) -> np.ndarray:
    """Word ids (uint32) of each descriptor: (descriptors, k*k), the combinations of each half's k
    nearest cells (k=1: the one word each descriptor falls in)."""
    centroids = vocabulary()
    first = nearest(descriptors[:, :16], centroids[0], k)
    second = nearest(descriptors[:, 16:], centroids[1], k)
    combined = (first[:, :, None] << HALF_BITS) | second[:, None, :]
    return combined.reshape(len(descriptors), k * k).astype(np.uint32)


def train(halves: np.ndarray, cells: int, iterations: int = 12, seed: int = 0) -> np.ndarray:
    """k-majority clustering of 16-byte binary rows: centroids are the bitwise majority of their
    members (Grana et al.); an emptied cell is restarted on a random row."""
    rng = np.random.default_rng(seed)
    centroids = halves[rng.choice(len(halves), cells, replace=False)].copy()
    bits = np.unpackbits(halves, axis=1)
    for _ in range(iterations):
        owner = nearest(halves, centroids)[:, 0]
        counts = np.bincount(owner, minlength=cells)
        ones = np.stack([np.bincount(owner, column, cells) for column in bits.T], axis=1)
        majority = np.packbits(ones * 2 > counts[:, None], axis=1)
        empty = counts == 0
        majority[empty] = halves[rng.choice(len(halves), int(empty.sum()), replace=False)]
        centroids = majority
    return centroids
