"""The REST API image benchmark (bench/api_images.py) replayed in the engine, with where each miss is.

Usage: python -m bench.replay_photo_library PHOTOS_DIR CORPUS_DIR [--out docs/eval/....md]

The same library (every picture of PHOTOS_DIR, keyed by its file name's stem: bench/build_photo_library.py)
and the same queries (CORPUS_DIR's image queries), searched in one ImageIndex without a portal: the
matches a job returns once the background merges have made the library one segment (on seed 99's
2,000 pictures it gives the API run's 125 / 134 and its count for every edit). Minutes instead of
the API run's quarter of an hour, so a change can be tried on it; the API run stays the measure of
record.

For each missed copy: where its original ranks among each orientation's candidates (all of them, not
only the VERIFY_CANDIDATES verified), with its score and the first's, and how many keypoint pairs
verification finds against it (MIN_INLIERS needed): a miss of the candidate stage or of verification.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections import defaultdict
from pathlib import Path

from bench.api_images import SUFFIXES, edit_rows, publish
from engine.base import MediaInput, unpack_arrays
from engine.image.fingerprinter import ImageFingerprinter
from engine.image.index import ImageIndex
from engine.image.verification import verify
from engine.image.words import rootsift

fingerprinter = ImageFingerprinter()


def library_index(photos: Path) -> tuple[list[str], ImageIndex]:
    """The pictures' keys (file stems) and an index of them as a segment holds it (hits name item
    numbers: keys[hit.key])."""
    building = fingerprinter.new_index()
    pictures = sorted(p for p in photos.iterdir() if p.suffix.lower() in SUFFIXES)
    building.add_many(
        (p.stem, fingerprinter.for_storage(fingerprinter.extract(MediaInput(path=p)))) for p in pictures
    )
    keys, arrays = building.export()
    return keys, ImageIndex.from_arrays(arrays)


def where_missed(index: ImageIndex, arrays: dict, query: dict, item: int) -> str:
    """The original's place among each orientation's candidates, and verification's pairs with it."""
    start = int(arrays["keypoint_starts"][item])
    stop = start + int(arrays["keypoint_counts"][item])
    everyone = type("AllCandidates", (ImageIndex,), {"VERIFY_CANDIDATES": len(index), "MIN_VOTES": 1})
    told = []
    for suffix, name in (("", "as is"), ("_mirrored", "mirrored")):
        q_desc = query["descriptors" + suffix]
        ranked = everyone.candidates_each([index], [q_desc])[0] if len(q_desc) else []
        place = next((rank for rank, (_, found, _) in enumerate(ranked) if found == item), None)
        points, descriptors = arrays["points"][start:stop], arrays["descriptors"][start:stop]
        pairs, _ = verify(query["points" + suffix], rootsift(q_desc), points, rootsift(descriptors))
        if place is None:
            told.append(f"{name}: no shared code, {pairs} pairs")
        else:
            score, first = ranked[place][2], ranked[0][2]
            told.append(f"{name}: place {place + 1} (score {score:.1f}, first {first:.1f}), {pairs} pairs")
    return "; ".join(told)


def replay(photos: Path, corpus: Path) -> tuple[dict, list[str]]:
    keys, index = library_index(photos)
    arrays = index.export()[1]
    truth = json.loads((corpus / "ground_truth.json").read_text())
    per_op: dict[str, list[bool]] = defaultdict(list)
    found = positives = alarms = negatives = 0
    misses = []
    for query in (q for q in truth["queries"] if q["modality"] == "image"):
        fingerprint = fingerprinter.extract(MediaInput(path=corpus / query["path"]))
        matches = index.search(fingerprint)
        if query["negative"]:
            negatives += 1
            alarms += bool(matches)
            continue
        positives += 1
        expected = query["matches"][0]["library_id"]
        right = bool(matches) and keys[matches[0].key] == expected
        found += right
        edits = sorted({t["op"] for t in query["transforms"] if t["op"] != "save"})
        for op in edits:
            per_op[op].append(right)
        if not right:
            got = keys[matches[0].key] if matches else "nothing"
            where = where_missed(index, arrays, unpack_arrays(fingerprint), keys.index(expected))
            misses.append(f"- {query['id']} ({', '.join(edits)}), got {got}: {where}")
    result = {"found": found, "positives": positives, "alarms": alarms, "negatives": negatives}
    result["per_op"], result["library"] = per_op, len(index)
    return result, misses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("photos", type=Path)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    result, misses = replay(args.photos, args.corpus)
    found, positives, per_op = result["found"], result["positives"], result["per_op"]
    report = [
        f"# Image queries of {args.corpus.name} among {result['library']} pictures, in the engine\n",
        f"`python -m bench.replay_photo_library {args.photos} {args.corpus}` on {platform.node()}, "
        f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{time.perf_counter() - started:.0f} s (the REST API benchmark's library and queries, searched "
        "as one segment: bench/api_images.py).\n",
        "| measure | value |",
        "|---|---|",
        f"| best match right (positives) | {found}/{positives} = {found / positives:.3f} |",
        f"| false alarms (negatives with any match) | {result['alarms']}/{result['negatives']} |\n",
        "| edit | right |",
        "|---|---|",
        *edit_rows(per_op),
        f"\nMisses (the original's place among the candidates; {ImageIndex.VERIFY_CANDIDATES} are verified, "
        f"{ImageIndex.MIN_INLIERS} pairs needed):\n",
        *misses,
    ]
    publish(report, args.out)


if __name__ == "__main__":
    main()
