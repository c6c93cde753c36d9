"""Nearest library keypoints of a query's keypoints: the brute-force Hamming k-NN verification
starts from (index.verify), ~600 x 600 descriptors per verified candidate.

FAISS's binary flat search (IndexBinaryFlat) rather than OpenCV's batchDistance or numpy: on 600 x
600 ORB descriptors, one core, 0.48 ms against 1.88 ms (OpenCV) and 2.7 ms (numpy distances and a
partition), with the same distances and, of equal distances, the same first (the lower library
position; checked on 300 tie-heavy random cases). Verification is what a query spends most on, so
this decides how many candidates a query can afford to verify.
"""

from __future__ import annotations

import faiss
import numpy as np

from engine import ENGINE_THREADS

# The engine's threads (engine/__init__.py: one, unless DNAPORTAL_ENGINE_THREADS says more): a worker
# process serves one job on one core.
faiss.omp_set_num_threads(int(ENGINE_THREADS))

DESCRIPTOR_BITS = 256


def two_nearest(query: np.ndarray, library: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distances, positions), each (len(query), 2): every query descriptor's two nearest library
    descriptors (32-byte rows), nearest first; library needs at least two rows."""
    found = faiss.IndexBinaryFlat(DESCRIPTOR_BITS)
    found.add(np.ascontiguousarray(library, np.uint8))
    return found.search(np.ascontiguousarray(query, np.uint8), 2)
