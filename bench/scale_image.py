"""The image index at scale: real held-out queries planted among synthetic fingerprints drawn like real ones.

Usage: taskset -c 0 python -m bench.scale_image CORPUS_DIR [--sizes 10000 100000 1000000 ...]
       (CORPUS_DIR: a corpus of bench/build_corpus.sh, e.g. bench/data/corpus-99, the held-out seed)

For each size N, an index of N synthetic items plus the corpus's library images (their real
fingerprints) is written as memory-mapped .npy files under bench/data/image-scale/N/, opened with
ImageIndex.from_arrays (in place, as a segment would be) and asked every image query of the corpus
(positives must find their original, negatives nothing). Times are search() alone, the query's
fingerprint being made beforehand: a first pass (pages not yet in memory) and a second one.

With --segments, each size is also written as the background merges leave a library of that size at
worst (merged_layout: at 10 M, 4 segments of up to the merge bound's 2,097,152 pictures and 7 at each
smaller level, 53 in all; with --biggest-segment 229376, the bound before image builds streamed
their keypoints, 43 of those and 85 in all; the real library items planted one per segment in
turn) and searched as the portal searches a segment set (one ImageIndex.search_parts call); unless
--no-per-segment, also segment by segment, as the image index did before it had search_parts (one
pass: ~35 ms a segment).

How the synthetic items are drawn (from "pool" photos: those the corpus builder draws from that
neither benchmark seed uses, as for the vocabulary; bench/train_image_vocabulary.py):
- visual words: the pool photos' indexed descriptors (the first INDEXED_KEYPOINTS of each, as the
  index files them), each value moved by Gaussian noise of WORD_NOISE, quantised like real ones; the
  inverted file's lists are filled by drawing N x (distinct codes per real item) postings from those
  words, each to a random synthetic item, with a sign drawn around its word's centre as real signs
  spread (see _draw_signs). WORD_NOISE and SIGN_NOISE are calibrated on real pictures the pool does
  not hold (bench/calibrate_scale_image.py, docs/eval/image-scale-calibration.md);
- global hashes: 256 DCT coefficients drawn from a normal law with the mean and covariance of the
  pool photos' (and of random crops of them), thresholded at their median as dct_hash does;
- verification detail (cold): synthetic item i points at pool photo i mod P's real keypoints, so
  verifying a synthetic candidate costs what verifying a real one costs.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import shutil
import subprocess
import time
import types
from pathlib import Path

import cv2
import numpy as np

from bench.train_image_vocabulary import training_photos
from engine.base import Fingerprint, MediaInput, pack_arrays, unpack_arrays
from engine.image.build import ITEM_LIMIT, ITEM_MASK
from engine.image.fingerprinter import ImageFingerprinter
from engine.image.index import COLD, HOT, ImageIndex, chunks
from engine.image.reading import read_image
from engine.image.words import signs, words

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench/data/image-scale"
fingerprinter = ImageFingerprinter()


def cached(name: str, make):
    path = DATA / name
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(make()))
    return pickle.loads(path.read_bytes())


def real_items(corpus: Path) -> tuple[list[dict], list[tuple[dict, object]]]:
    """The corpus's library images (stored fingerprints, unpacked) and its image queries."""
    truth = json.loads((corpus / "ground_truth.json").read_text())
    library = [
        {
            "id": item["id"],
            **unpack_arrays(
                fingerprinter.for_storage(fingerprinter.extract(MediaInput(path=corpus / item["path"])))
            ),
        }
        for item in truth["library"]
        if item["modality"] == "image"
    ]
    queries = [
        (query, fingerprinter.extract(MediaInput(path=corpus / query["path"])))
        for query in truth["queries"]
        if query["modality"] == "image"
    ]
    return library, queries


def pool_items(corpora: list[Path]) -> list[dict]:
    """Stored fingerprints and DCT coefficient vectors of the pool photos (and of 8 crops of each)."""
    rng = np.random.default_rng(3)
    made = []
    for path in training_photos(corpora):
        try:
            image = read_image(path)
        except Exception:  # noqa: BLE001 - the pool has a few files OpenCV cannot read; skip them
            continue
        if min(image.shape[:2]) < 96:
            continue
        arrays = unpack_arrays(fingerprinter.for_storage(fingerprinter.from_array(image)))
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        crops = [grey] + [_crop(grey, rng) for _ in range(8)]
        arrays["coefficients"] = np.stack([_coefficients(crop) for crop in crops])
        made.append(arrays)
    return made


def _crop(grey: np.ndarray, rng) -> np.ndarray:
    height, width = grey.shape
    h, w = int(height * rng.uniform(0.4, 0.9)), int(width * rng.uniform(0.4, 0.9))
    y, x = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
    return grey[y : y + h, x : x + w]


def _coefficients(grey: np.ndarray) -> np.ndarray:
    small = cv2.resize(grey.astype(np.float32), (64, 64), interpolation=cv2.INTER_AREA)
    values = cv2.dct(small)[1:17, 1:17].ravel()
    return (values - np.median(values)) / (values.std() + 1e-6)


# Drawn so, 29,723 words of as many SIFT descriptors are distinct for 0.828 of them, and a word holds
# 1.97 postings of a posting on average; of real pictures none of the pool: 0.823 and 1.90 (none: 0.627
# and 4.63; 2026-12-04, bench/calibrate_scale_image.py). ORB's, until 2026-12-04: 10% of bits flipped.
WORD_NOISE = 20.0


def sampled_words(
    pool: list[dict], count: int, noise: float = WORD_NOISE, seed: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """Words and signs of `count` pool indexed descriptors, each of its values moved by Gaussian noise
    of `noise` (SIFT values run 0-~150)."""
    rng = np.random.default_rng(seed)
    seeds = np.concatenate([item["descriptors"][: ImageIndex.INDEXED_KEYPOINTS] for item in pool])
    made, made_signs = [], []
    for done in range(0, count, 1_000_000):
        size = min(1_000_000, count - done)
        drawn = seeds[rng.integers(0, len(seeds), size)].astype(np.float32)
        drawn = np.clip(drawn + rng.normal(0, noise, drawn.shape).astype(np.float32), 0, 255).astype(np.uint8)
        made.append(words(drawn)[:, 0])
        made_signs.append(signs(drawn))
    return np.concatenate(made), np.concatenate(made_signs)


def synthetic_hashes(pool: list[dict], count: int, rng) -> np.ndarray:
    samples = np.concatenate([item["coefficients"] for item in pool])
    mean, cholesky = samples.mean(axis=0), np.linalg.cholesky(np.cov(samples.T) + 1e-6 * np.eye(256))
    made = []
    for done in range(0, count, 1_000_000):
        size = min(1_000_000, count - done)
        values = mean + rng.standard_normal((size, 256), np.float32) @ cholesky.T.astype(np.float32)
        made.append(np.packbits(values > np.median(values, axis=1, keepdims=True), axis=1))
    return np.concatenate(made) if made else np.zeros((0, 32), np.uint8)


def _save(folder: Path, name: str, shape, dtype) -> np.ndarray:
    return np.lib.format.open_memmap(folder / f"{name}.npy", mode="w+", dtype=dtype, shape=shape)


def item_codes(item: dict) -> np.ndarray:
    """The (word << 8 | sign) codes an index files an item under."""
    filed = item["descriptors"][: ImageIndex.INDEXED_KEYPOINTS]
    return np.unique((words(filed)[:, 0].astype(np.int64) << 8) | signs(filed))


def prepare(pool: list[dict], library: list[dict], sample) -> tuple[np.ndarray, np.ndarray, float]:
    """What every build draws from: the share of each word among the sample's, each word's sign
    centre (sign_centres), and the distinct codes a real library item is filed under, on average."""
    sample_words, sample_signs = sample
    by_word = np.argsort(sample_words, kind="stable")
    sample_words, sample_signs = sample_words[by_word], sample_signs[by_word]
    sample_counts = np.bincount(sample_words, minlength=1 << 24)
    centres = sign_centres(
        (sample_words, sample_signs),
        _sorted_by_word(
            np.concatenate([item["descriptors"][: ImageIndex.INDEXED_KEYPOINTS] for item in pool])
        ),
    )
    per_item = float(np.mean([len(item_codes(item)) for item in library]))
    return sample_counts / sample_counts.sum(), centres, per_item


def build(
    folder: Path, size: int, library: list[dict], prepared, pool: list[dict], seed: int | None = None
) -> None:
    """Write the arrays of an index of `size` synthetic items followed by these real library items.
    A synthetic posting's word is drawn from the sample's words, its sign from the signs the sample
    has in that word (prepared: what prepare() made of the sample)."""
    rng = np.random.default_rng(size if seed is None else seed)
    folder.mkdir(parents=True, exist_ok=True)
    shares, centres, per_item = prepared
    real_codes = [item_codes(item) for item in library]
    synthetic = rng.multinomial(int(size * per_item), shares)
    real_owner = np.repeat(np.arange(len(library)) + size, [len(c) for c in real_codes])
    real_flat = np.concatenate(real_codes) if real_codes else np.zeros(0, np.int64)
    real_order = np.argsort(real_flat, kind="stable")
    real_flat, real_owner = real_flat[real_order], real_owner[real_order]
    real = np.bincount(real_flat >> 8, minlength=1 << 24)
    total = synthetic + real
    keys = np.flatnonzero(total).astype(np.uint32)
    starts = np.concatenate(([0], np.cumsum(total[keys]))).astype(np.int64)
    np.save(folder / "word_keys.npy", keys)
    np.save(folder / "word_starts.npy", starts)
    assert size + len(library) <= ITEM_LIMIT, "a segment numbers its pictures in 24 bits"
    postings = _save(folder, "word_postings", (int(starts[-1]),), np.uint32)
    first = 0
    while first < len(keys):
        last = max(first + 1, int(np.searchsorted(starts, starts[first] + 50_000_000, "right")) - 1)
        last = min(last, len(keys))
        chunk = keys[first:last]
        count = synthetic[chunk]
        word = np.repeat(chunk, count)
        drawn = _draw_signs(chunk, count, rng, centres)
        code_of = (np.repeat(np.arange(len(chunk), dtype=np.uint64), count) << np.uint64(40)) | (
            drawn.astype(np.uint64) << np.uint64(32)
        )
        code_of |= rng.integers(0, max(1, size), len(word), dtype=np.uint64)
        lo, hi = np.searchsorted(real_flat >> 8, [chunk[0], chunk[-1] + 1])
        real_rel = np.searchsorted(chunk, (real_flat[lo:hi] >> 8).astype(np.uint32)).astype(np.uint64)
        code_of = np.sort(
            np.concatenate(
                [
                    code_of,
                    (real_rel << np.uint64(40))
                    | ((real_flat[lo:hi] & 255).astype(np.uint64) << np.uint64(32))
                    | real_owner[lo:hi].astype(np.uint64),
                ]
            )
        )
        # As engine/image/build.py files them: the sign above the item's 24 bits.
        sign = (code_of >> np.uint64(32)) & np.uint64(255)
        postings[starts[first] : starts[last]] = (
            (code_of & np.uint64(ITEM_MASK)) | (sign << np.uint64(24))
        ).astype(np.uint32)
        first = last
    postings.flush()
    _build_hashes(
        folder,
        np.concatenate([synthetic_hashes(pool, size, rng), *[i["hash"][None, :] for i in library]]),
    )
    _build_cold(folder, size, pool, library)


def _sorted_by_word(descriptors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Words and signs of these descriptors, sorted by word."""
    found, made = words(descriptors)[:, 0], signs(descriptors)
    order = np.argsort(found, kind="stable")
    return found[order], made[order]


def sign_centres(sample, real) -> np.ndarray:
    """For every word, the bitwise majority of the signs of the real pool descriptors filed under it
    (of the sampled ones for a word no pool descriptor falls in): (2**24,) uint8."""
    centres = np.zeros(1 << 24, np.uint8)
    for words_of, signs_of in (sample, real):
        keys, firsts, counts = np.unique(words_of, return_index=True, return_counts=True)
        ones = np.add.reduceat(np.unpackbits(signs_of[:, None], axis=1).astype(np.int32), firsts, axis=0)
        centres[keys] = np.packbits(ones * 2 > counts[:, None], axis=1)[:, 0]
    return centres


def _draw_signs(keys: np.ndarray, repeats: np.ndarray, rng, centres: np.ndarray) -> np.ndarray:
    """A sign for each synthetic posting (repeats[i] postings of word keys[i]): the word's centre
    with each bit flipped with probability SIGN_NOISE. Real SIFT descriptors of different pictures
    filed under one word agree on each sign bit 87.0% of the time, on all 8 39.7%, and are at most
    SIGN_RADIUS (1) bit apart 71.3% (1.18 M pairs, bench/calibrate_scale_image.py); 2 x 0.07 x 0.93 =
    13% of disagreement per bit gives 32.9% and 72.2% (ORB's, until 2026-12-04: 87% and 34% measured).
    (Taking the signs of the sampled, moved descriptors instead: signs would look far more selective
    than they are; taking those of the few pool descriptors of a word, too few distinct signs a word.)"""
    made = np.repeat(centres[keys], repeats)
    for bit in range(8):
        made ^= (rng.random(len(made), dtype=np.float32) < SIGN_NOISE).astype(np.uint8) << bit
    return made


SIGN_NOISE = 0.07


def _build_hashes(folder: Path, hashes: np.ndarray) -> None:
    np.save(folder / "hashes.npy", hashes)
    by_chunk = chunks(hashes)
    table = _save(folder, "hash_chunks", (16, len(hashes)), np.uint16)
    owners = _save(folder, "hash_items", (16, len(hashes)), np.uint32)
    for chunk in range(16):
        column = np.ascontiguousarray(by_chunk[:, chunk])
        order = np.argsort(column, kind="stable")
        table[chunk], owners[chunk] = column[order], order
    table.flush()
    owners.flush()


def _build_cold(folder: Path, size: int, pool: list[dict], library: list[dict]) -> None:
    sources = pool + library
    counts = np.array([len(item["descriptors"]) for item in sources], np.int64)
    firsts = np.cumsum(counts) - counts
    aliased = np.arange(size) % len(pool)
    np.save(folder / "keypoint_starts.npy", np.concatenate([firsts[aliased], firsts[len(pool) :]]))
    np.save(
        folder / "keypoint_counts.npy",
        np.concatenate([counts[aliased], counts[len(pool) :]]).astype(np.uint16),
    )
    np.save(folder / "points.npy", np.concatenate([item["points"] for item in sources]).astype(np.float16))
    np.save(folder / "descriptors.npy", np.concatenate([item["descriptors"] for item in sources]))


def opened(folder: Path) -> ImageIndex:
    names = HOT + COLD
    return ImageIndex.from_arrays({name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in names})


def measure(index, queries, positions: dict[str, int], passes: int = 2) -> dict:
    """Passes over the queries: times of the last (and the first); recall and false alarms."""
    times, cpu = {}, []
    for run in ("first", "second")[:passes]:
        spent, found, alarms = [], 0, 0
        for query, fingerprint in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            hits = index.search(fingerprint)
            spent.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            if query["negative"]:
                alarms += bool(hits)
            else:
                found += bool(hits) and hits[0].key == positions[query["matches"][0]["library_id"]]
        times[run] = np.array(spent) * 1000
    positives = sum(not query["negative"] for query, _ in queries)
    return {
        "median_ms": float(np.median(times[run])),
        "p99_ms": float(np.percentile(times[run], 99)),
        "cpu_median_ms": float(np.median(cpu[-len(queries) :]) * 1000),
        "cpu_p99_ms": float(np.percentile(cpu[-len(queries) :], 99) * 1000),
        "first_median_ms": float(np.median(times["first"])),
        "first_p99_ms": float(np.percentile(times["first"], 99)),
        "recall": found / positives,
        "false_alarms": alarms,
        "negatives": len(queries) - positives,
    }


def old_index_class(commit: str | None = None) -> type:
    """The image index before this one (a brute-force scan of all descriptors), or of another commit,
    from git history."""
    source = subprocess.run(
        ["git", "show", f"{commit or OLD_COMMIT}:engine/image/index.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("old_image_index")
    exec(compile(source, "old_image_index.py", "exec"), module.__dict__)  # noqa: S102 - our own history
    return module.ImageIndex


def merged_layout(size: int, biggest: int) -> list[int]:
    """Segment sizes of a library of `size` items as the background merges leave it at worst
    (libraries/indexing/merge.py, FANOUT 8): segments of `biggest` items (the merge bound's), then
    7 segments at each smaller level (8**k .. 1 items, each under `biggest`), all a level may hold
    before it is merged."""
    levels = [8**level for level in range(12, -1, -1) if 8**level < biggest]
    while sum(levels) * 7 > size // 2:  # a small library: its top levels are not there yet
        levels = levels[1:]
    small = [items for items in levels for _ in range(7)]
    big, rest = divmod(size - sum(small), biggest)
    return [biggest] * big + ([rest] if rest else []) + small


class InSegments:
    """A library held in several segments, searched as the portal searches it (engine/segment_set.py):
    one search_parts call, hits merged best first; keys are (segment number, item)."""

    def __init__(self, index_class: type, folders: list[Path]) -> None:
        names = HOT + COLD
        self.index_class = index_class
        self.parts = [
            index_class.from_arrays({name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in names})
            for folder in folders
        ]

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts)

    def hot_bytes(self) -> int:
        return sum(part.hot_bytes() for part in self.parts)

    def search(self, fingerprint, limit: int = 20) -> list:
        answers = self.index_class.search_parts(self.parts, fingerprint, limit)
        hits = []
        for number, found in enumerate(answers):
            for hit in found:
                hit.key = (number, hit.key)
                hits.append(hit)
        return sorted(hits, key=lambda hit: -hit.similarity)[:limit]


def build_segments(folder: Path, size: int, pool, library, prepared, biggest: int) -> tuple[list[Path], dict]:
    """The synthetic library of `size` items written as the merge layout's segments, the real library
    items planted one per segment in turn; their positions as (segment number, item)."""
    sizes = merged_layout(size, biggest)
    folders, positions = [], {}
    for number, part_size in enumerate(sizes):
        # The planted pictures are among the segment's items: a segment holds what the layout says
        # (until 2026-12-04 one or two more, which took the 512-picture segments out of the small
        # ones searched together: ImageIndex.CODE_TABLE_MAX_ITEMS).
        planted = library[number :: len(sizes)]
        synthetic = part_size - len(planted)
        build(folder / f"segment-{number:03d}", synthetic, planted, prepared, pool, seed=size * 1000 + number)
        folders.append(folder / f"segment-{number:03d}")
        positions.update({item["id"]: (number, synthetic + at) for at, item in enumerate(planted)})
    return folders, positions


def real_library(index, pool: list[dict], library: list[dict], extra: int) -> tuple[object, dict[str, int]]:
    """An index of `extra` real pool photos and the corpus library (keys: positions, as in segments)."""
    for number, item in enumerate(pool[:extra] + library):
        arrays = {name: item[name] for name in ("hash", "points", "descriptors")}
        index.add(number, Fingerprint(fingerprinter.name, fingerprinter.version, pack_arrays(**arrays)))
    return index, {item["id"]: extra + number for number, item in enumerate(library)}


def row(label: str, items: int, hot: float | None, build_s: float, result: dict) -> str:
    hot_text = f"{hot:,.0f}" if hot is not None else "n/a"
    return (
        f"| {label} | {items:,} | {hot_text} | {build_s:,.0f} | {result['median_ms']:.1f} | "
        f"{result['p99_ms']:.1f} | {result['cpu_median_ms']:.1f} / {result['cpu_p99_ms']:.1f} | "
        f"{result['first_median_ms']:.1f} / {result['first_p99_ms']:.1f} | {result['recall']:.3f} | "
        f"{result['false_alarms']} / {result['negatives']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--old", type=int, default=380, help="real pool photos in the old/new comparison")
    parser.add_argument("--keep", action="store_true", help="keep the built arrays on disk")
    parser.add_argument(
        "--no-old", action="store_true", help="leave out the old brute-force index (~20 min at 447 photos)"
    )
    parser.add_argument(
        "--segments",
        action="store_true",
        help="also split each size as the background merges leave it (merged_layout) and search it so",
    )
    parser.add_argument(
        "--biggest-segment",
        type=int,
        default=2_097_152,
        help="items of the biggest segment a merge writes (the merge bound's: 8 x 8**6 photos of ~23 KB "
        "within 16 GB / 0.31; 229,376 before image builds streamed their keypoints)",
    )
    parser.add_argument(
        "--no-per-segment", action="store_true", help="leave out the segment-by-segment search"
    )
    args = parser.parse_args()
    corpora = sorted(args.corpus.parent.glob("corpus-*"))
    library, queries = cached(f"real-{args.corpus.name}.pkl", lambda: real_items(args.corpus))
    pool = cached("pool.pkl", lambda: pool_items(corpora))
    word_sample = cached(
        f"word-sample-{ImageIndex.INDEXED_KEYPOINTS}-noise{WORD_NOISE:g}.pkl",
        lambda: sampled_words(pool, 40_000_000),
    )
    print(f"# Image index at scale ({args.corpus.name} queries planted)\n")
    print(
        f"Generated by `python -m bench.scale_image {args.corpus}` on {platform.node()}, "
        f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, CPUs allowed: "
        f"{sorted(os.sched_getaffinity(0))}, load average at start {os.getloadavg()[0]:.1f}. "
        f"{len(library)} real library images planted, {len(queries)} real queries; "
        f"pool: {len(pool)} photos.\n"
    )
    print(
        "| index | items | hot bytes / item | build s | median ms | p99 ms | CPU time median / p99 ms "
        "| first pass median / p99 ms | recall (best = right) | false alarms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|", flush=True)
    compared = [("new, real photos", ImageIndex())]
    if not args.no_old:
        compared.insert(0, ("old (brute force), real photos", old_index_class()()))
    for label, index in compared:
        started = time.perf_counter()
        built, positions = real_library(index, pool, library, args.old)
        result = measure(built, queries, positions, passes=1 if "old" in label else 2)
        hot = built.hot_bytes() / len(built) if isinstance(built, ImageIndex) else None
        print(row(label, len(built), hot, time.perf_counter() - started, result), flush=True)
    started = time.perf_counter()
    built, positions = real_library(ImageIndex(), pool, library, len(pool))
    result = measure(built, queries, positions)
    print(
        row(
            "new, real photos (whole pool)",
            len(built),
            built.hot_bytes() / len(built),
            time.perf_counter() - started,
            result,
        ),
        flush=True,
    )
    prepared = prepare(pool, library, word_sample)
    for size in args.sizes:
        folder = DATA / str(size)
        started = time.perf_counter()
        build(folder, size, library, prepared, pool)
        build_s = time.perf_counter() - started
        index = opened(folder)
        positions = {item["id"]: size + number for number, item in enumerate(library)}
        result = measure(index, queries, positions)
        print(
            row("new, synthetic + planted", len(index), index.hot_bytes() / len(index), build_s, result),
            flush=True,
        )
        if not args.keep:
            shutil.rmtree(folder)
        if args.segments:
            measure_segments(size, pool, library, queries, prepared, args)


def measure_segments(size: int, pool, library, queries, prepared, args) -> None:
    """The same size as the background merges leave it in segments: searched at once (search_parts)
    and, for comparison, segment by segment as the image index did before (PER_SEGMENT_COMMIT)."""
    folder = DATA / f"{size}-segments"
    started = time.perf_counter()
    folders, positions = build_segments(folder, size, pool, library, prepared, args.biggest_segment)
    build_s = time.perf_counter() - started
    label = f"new, synthetic + planted, in {len(folders)} segments"
    compared = [(label, ImageIndex, 2)]
    if not args.no_per_segment:
        compared.append((f"{label}, searched one by one (as before)", old_index_class(PER_SEGMENT_COMMIT), 1))
    for text, index_class, passes in compared:
        index = InSegments(index_class, folders)
        result = measure(index, queries, positions, passes=passes)
        print(row(text, len(index), index.hot_bytes() / len(index), build_s, result), flush=True)
    if not args.keep:
        shutil.rmtree(folder)


OLD_COMMIT = "273950b743f8c323afe84e509c0eef3eec74ce29"
# The last image index without its own search_parts: each segment searched on its own.
PER_SEGMENT_COMMIT = "441ba04edb5073f26fed3bafd629ea8591e0cb57"

if __name__ == "__main__":
    main()
