"""How many agreeing keypoint pairs verification finds between pictures that are not copies: the margin
under ImageIndex.MIN_INLIERS.

Usage: python -m bench.unrelated_pairs CORPUS_DIR [CORPUS_DIR ...]

Every image query of each corpus (copies and negatives) is verified (engine/image/verification.py)
against every library picture of its corpus that it is not a copy of, in both of the query's
orientations, as if each were a candidate: the most pairs any such check agrees on, and how many checks
reach each count, beside the pairs its own original gives the copies.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np

from engine.base import MediaInput, unpack_arrays
from engine.image.fingerprinter import ImageFingerprinter
from engine.image.index import ImageIndex
from engine.image.verification import verify
from engine.image.words import rootsift

fingerprinter = ImageFingerprinter()


def described(path: Path, *, stored: bool) -> dict[str, np.ndarray]:
    fingerprint = fingerprinter.extract(MediaInput(path=path))
    return unpack_arrays(fingerprinter.for_storage(fingerprint) if stored else fingerprint)


def pairs(query: dict, library: dict) -> int:
    """The most agreeing pairs of the query's two orientations against one library picture."""
    return max(
        verify(
            query["points" + side],
            rootsift(query["descriptors" + side]),
            library["points"],
            rootsift(library["descriptors"]),
        )[0]
        for side in ("", "_mirrored")
    )


def corpus_pairs(corpus: Path) -> tuple[Counter, list[int]]:
    """(how many unrelated checks agree on each number of pairs, the pairs of each copy with its original)."""
    truth = json.loads((corpus / "ground_truth.json").read_text())
    library = {
        item["id"]: described(corpus / item["path"], stored=True)
        for item in truth["library"]
        if item["modality"] == "image"
    }
    unrelated: Counter = Counter()
    own = []
    for query in (q for q in truth["queries"] if q["modality"] == "image"):
        asked = described(corpus / query["path"], stored=False)
        originals = {match["library_id"] for match in query["matches"]}
        for key, picture in library.items():
            found = pairs(asked, picture)
            if key in originals:
                own.append(found)
            else:
                unrelated[found] += 1
    return unrelated, own


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpora", nargs="+", type=Path)
    args = parser.parse_args()
    print(
        f"| corpus | unrelated checks | most pairs | checks with >= 4 / 6 / {ImageIndex.MIN_INLIERS} | "
        "copies "
        f"verified with >= {ImageIndex.MIN_INLIERS} against their original |"
    )
    print("|---|---|---|---|---|")
    for corpus in args.corpora:
        unrelated, own = corpus_pairs(corpus)
        checks = sum(unrelated.values())
        at_least = [
            sum(n for found, n in unrelated.items() if found >= k) for k in (4, 6, ImageIndex.MIN_INLIERS)
        ]
        verified = sum(found >= ImageIndex.MIN_INLIERS for found in own)
        print(
            f"| {corpus.name} | {checks:,} | {max(unrelated)} | {' / '.join(map(str, at_least))} | "
            f"{verified} / {len(own)} |"
        )


if __name__ == "__main__":
    main()
