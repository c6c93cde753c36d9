"""The video index's bookkeeping at size, on synthetic fingerprints (bench/scale_video.py's generator):
incremental adds, removals, compaction, and the seed lookup staying logarithmic."""

import numpy as np
import pytest

from bench.scale_video import _bits, as_fingerprint, synthetic_video
from engine.base import unpack_arrays
from engine.video.frames import FIRST_GRID_COLUMN, SAMPLE_FPS
from engine.video.index import FIXED_SEED_EVERY, GRID_SEED_EVERY, VideoIndex, as_query
from engine.video.keys import COLUMN_BITS, QueryProbes, robust_key
from engine.video.verify import MAX_BITS, STILL_MAX_BITS, closest_needed


@pytest.fixture(scope="module")
def videos():
    rng = np.random.default_rng(5)
    return [synthetic_video(rng, 300) for _ in range(40)]


def excerpt(video, start_s, seconds, noise_bits, rng, speed=1.0):
    """`seconds` of `video` from `start_s`, played `speed` times as fast, with noise in every hash."""
    frames = np.arange(int(seconds * SAMPLE_FPS))
    source = (start_s * SAMPLE_FPS + frames * speed).astype(int)
    query = {key: value[source].copy() for key, value in video.items()}
    query["times"] = (frames / SAMPLE_FPS).astype(np.float32)
    query["codes"] ^= _bits(rng, query["codes"].shape, noise_bits)
    return as_fingerprint(query)


def test_a_video_is_searchable_as_soon_as_it_is_added_and_gone_once_removed(videos):
    index, rng = VideoIndex(), np.random.default_rng(1)
    for n, video in enumerate(videos[:-1]):
        index.add(f"v{n}", as_fingerprint(video))
    query = excerpt(videos[-1], 100, 20, 6, rng)
    assert index.search(query) == []
    index.add("new", as_fingerprint(videos[-1]))
    [match] = index.search(query)
    assert match.key == "new"
    segment = match.segments["video"][0]
    assert segment.library_start == pytest.approx(100, abs=0.5)
    assert segment.end - segment.start == pytest.approx(20, abs=0.5)
    index.remove("new")
    assert index.search(query) == []


def test_removing_most_videos_compacts_the_index_and_keeps_the_rest_findable(videos):
    index, rng = VideoIndex(), np.random.default_rng(2)
    for n, video in enumerate(videos):
        index.add(f"v{n}", as_fingerprint(video))
    rows_before = index._codes.size
    for n in range(0, 30):
        index.remove(f"v{n}")
    assert index._codes.size < rows_before  # dead rows were dropped, not just hidden
    assert len(index) == 10
    for n in (30, 35, 39):
        [match] = index.search(excerpt(videos[n], 50, 15, 6, rng))
        assert match.key == f"v{n}"
        assert match.segments["video"][0].library_start == pytest.approx(50, abs=0.5)
    assert index.search(excerpt(videos[3], 50, 15, 6, rng)) == []


def test_sorted_runs_stay_few_as_videos_are_added(videos):
    index = VideoIndex()
    for n in range(200):
        index.add(f"v{n}", as_fingerprint(videos[n % len(videos)]))
        assert len(index._keys.runs) <= np.log2(n + 2) + 1
    keys, _ = index._keys.runs[0]
    assert np.all(keys[:-1] <= keys[1:])


def test_a_speed_change_is_aligned_with_segments_of_different_lengths(videos):
    index, rng = VideoIndex(), np.random.default_rng(3)
    for n, video in enumerate(videos):
        index.add(f"v{n}", as_fingerprint(video))
    [match] = index.search(excerpt(videos[7], 60, 30, 4, rng, speed=1.1))
    segment = match.segments["video"][0]
    assert match.key == "v7"
    assert segment.library_start == pytest.approx(60, abs=0.6)
    assert (segment.library_end - segment.library_start) / (segment.end - segment.start) == pytest.approx(
        1.1, abs=0.04
    )


def test_the_robust_key_puts_the_lowest_frequencies_first():
    # Bit 0 (most significant) of a hash is DCT coefficient (1, 1), the lowest frequency.
    code = np.array([1 << 63], np.uint64)
    assert robust_key(code)[0] == 1 << 31
    # Coefficient (8, 8), the highest, is not part of the key.
    assert robust_key(np.array([1], np.uint64))[0] == 0


def test_frames_delivered_out_of_order_are_still_located(videos):
    index, rng = VideoIndex(), np.random.default_rng(4)
    video = dict(videos[0])
    order = rng.permutation(len(video["times"]))
    index.add("shuffled", as_fingerprint({key: value[order] for key, value in video.items()}))
    [match] = index.search(excerpt(videos[0], 120, 20, 4, rng))
    assert match.segments["video"][0].library_start == pytest.approx(120, abs=0.5)


def test_a_segment_finds_exactly_the_seeds_the_growing_index_finds(videos):
    index, rng = VideoIndex(), np.random.default_rng(6)
    for n, video in enumerate(videos):
        index.add(f"v{n}", as_fingerprint(video))
    opened = VideoIndex.from_arrays(index.export()[1])
    assert opened._key_bits() == index._key_bits() > VideoIndex.MIN_KEY_BITS
    query = excerpt(videos[12], 30, 20, 6, rng)
    grown = index._seeds(as_query(unpack_arrays(query)))
    packed = opened._seeds(as_query(unpack_arrays(query)))
    assert len(grown[0]) > 100
    for found, found_in_segment in zip(grown, packed, strict=True):
        np.testing.assert_array_equal(found, found_in_segment)


def test_parts_of_different_sizes_searched_together_each_find_the_seeds_they_find_alone(videos):
    """A query's probes are made once per key length and shared by the parts keyed alike: a small
    and a large part (different key lengths) searched together find what each finds alone."""
    small, large, rng = VideoIndex(), VideoIndex(), np.random.default_rng(7)
    small.add("s0", as_fingerprint(videos[0]))
    for n, video in enumerate(videos[1:]):
        large.add(f"l{n}", as_fingerprint(video))
    parts = [VideoIndex.from_arrays(index.export()[1]) for index in (small, large)]
    assert parts[0]._key_bits() < parts[1]._key_bits()
    query = as_query(unpack_arrays(excerpt(videos[20], 40, 20, 6, rng)))
    shared = QueryProbes(np.concatenate(query.code_sets), MAX_BITS)
    for part in parts:
        together, alone = part._seeds(query, shared), part._seeds(query)
        for found, found_alone in zip(together, alone, strict=True):
            np.testing.assert_array_equal(found, found_alone)
    assert len(parts[1]._seeds(query, shared)[0]) > 100
    [[], [match]] = VideoIndex.search_parts(parts, excerpt(videos[20], 40, 20, 6, rng))
    assert match.key == 19


def test_a_library_hour_keeps_under_2_mb_of_what_every_search_touches(videos):
    """Issue #15's memory goal: the seed records, times and item table of a segment (its hot part)
    take under 2 MB per library hour; the old layout (every fixed part of every frame, the grid of
    every 5th) took 2.2 MB."""
    index = VideoIndex()
    for n, video in enumerate(videos):
        index.add(f"v{n}", as_fingerprint(video))
    opened = VideoIndex.from_arrays(index.export()[1])
    hours = sum(len(video["times"]) for video in videos) / SAMPLE_FPS / 3600
    assert opened.hot_bytes() / hours < 2e6
    columns = np.concatenate([rows for _, rows in index._keys.runs]) & (2**COLUMN_BITS - 1)
    per_video = [np.count_nonzero(columns == column) / len(videos) for column in range(FIRST_GRID_COLUMN + 1)]
    frames = len(videos[0]["times"])
    assert per_video == [-(-frames // every) for every in (*FIXED_SEED_EVERY, GRID_SEED_EVERY)]


@pytest.mark.parametrize("column", [3, FIRST_GRID_COLUMN + 5])
def test_a_copy_showing_only_a_part_seeded_on_few_frames_is_found_where_it_is(videos, column):
    """A copy that is one 90% corner (seeded every 2nd frame) or one place of the 70% crop grid
    (every 8th) of the original: its whole picture hashes like that part, and it is found and placed."""
    index, rng = VideoIndex(), np.random.default_rng(8)
    for n, video in enumerate(videos):
        index.add(f"v{n}", as_fingerprint(video))
    part = dict(videos[17])
    part["codes"] = videos[17]["codes"].copy()
    part["codes"][:, 0] = videos[17]["codes"][:, column]
    [match] = index.search(excerpt(part, 120, 15, 4, rng))
    assert match.key == "v17"
    segment = match.segments["video"][0]
    assert segment.library_start == pytest.approx(120, abs=0.5)
    assert segment.end - segment.start == pytest.approx(15, abs=1.0)


def _flips(rng, count: int) -> np.uint64:
    """A mask of exactly `count` distinct bits."""
    return np.uint64(sum(1 << int(bit) for bit in rng.choice(64, count, replace=False)))


def test_a_query_drifting_around_one_unchanging_library_shot_is_not_a_copy():
    """Query frames that differ from each other but each lie within reach of one still library picture
    are one coincidence (in 10,000 hours such a picture is to be expected somewhere), while a copy of
    moving footage, as noisy, is found."""
    rng = np.random.default_rng(11)
    frames = 300
    still = rng.integers(0, 2**64, size=32, dtype=np.uint64)
    codes = rng.integers(0, 2**64, size=(frames, 32), dtype=np.uint64)  # the second half moves
    codes[:150] = still
    video = {
        "times": (np.arange(frames) / SAMPLE_FPS).astype(np.float32),
        "codes": codes,
        "codes_mirrored": rng.integers(0, 2**64, size=frames, dtype=np.uint64),
        "information": np.full(frames, 60, np.uint8),
    }
    index = VideoIndex()
    index.add("library", as_fingerprint(video))

    def query(source: np.ndarray, bits: int) -> dict:
        drifted = source.copy()
        for row in drifted:
            row ^= np.array([_flips(rng, bits) for _ in row], np.uint64)
        return as_fingerprint(
            {
                "times": (np.arange(len(source)) / SAMPLE_FPS).astype(np.float32),
                "codes": drifted,
                "codes_mirrored": rng.integers(0, 2**64, size=len(source), dtype=np.uint64),
                "information": np.full(len(source), 60, np.uint8),
            }
        )

    drifting = query(codes[:100], 10)  # every frame 10 bits off the still picture, 20 apart
    assert index.search(drifting) == []
    [copy] = index.search(query(codes[150:250], 6))
    assert copy.segments["video"][0].library_start == pytest.approx(30, abs=0.5)


def test_the_bigger_the_library_the_closer_a_segment_s_best_frame_must_be():
    hours = [0.2, 1, 10, 100, 1_000, 10_000]
    needed = [closest_needed(int(h * 3600 * SAMPLE_FPS)) for h in hours]
    assert needed[0] == MAX_BITS  # the benchmarks' small libraries: as before
    assert needed == sorted(needed, reverse=True)
    assert needed[-1] == STILL_MAX_BITS  # 10,000 hours: as close as a still view must match
