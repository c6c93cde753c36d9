"""The image index as arrays: exported, opened read-only (also memory-mapped), and grown to thousands
of items without scanning them."""

import itertools

import numpy as np
import pytest

from engine.base import Fingerprint, pack_arrays, unpack_arrays
from engine.image import build as image_build
from engine.image import index as index_module
from engine.image.fingerprinter import ImageFingerprinter
from engine.image.index import ImageIndex
from engine.image.lookups import lower_bounds
from engine.segments import SegmentError
from tests import media

fingerprinter = ImageFingerprinter()
# Library items made of other photos' keypoints: what a big library mostly holds.
FILLERS = 3000


@pytest.fixture(scope="module")
def library() -> ImageIndex:
    index = fingerprinter.new_index()
    for name in media.LIBRARY_PHOTOS:
        index.add(name, fingerprinter.for_storage(fingerprinter.from_array(media.photo(name))))
    return index


@pytest.fixture(scope="module")
def queries() -> dict[tuple[str, str], Fingerprint]:
    return {
        (name, transform): fingerprinter.from_array(media.TRANSFORMS[transform](media.photo(name)))
        for name in media.LIBRARY_PHOTOS
        for transform in sorted(media.TRANSFORMS)
    }


def _answers(index, queries, keys=None) -> dict:
    found = {}
    for query, fingerprint in queries.items():
        hits = index.search(fingerprint)
        found[query] = [(keys[h.key] if keys else h.key, h.similarity, h.distance) for h in hits]
    return found


def test_it_answers_the_same_from_its_exported_arrays(library, queries):
    keys, arrays = library.export()
    assert keys == media.LIBRARY_PHOTOS
    opened = ImageIndex.from_arrays(arrays)
    assert len(opened) == len(keys)
    assert _answers(opened, queries, keys) == _answers(library, queries)


def test_it_searches_memory_mapped_arrays_in_place(library, queries, tmp_path):
    keys, arrays = library.export()
    for name, array in arrays.items():
        np.save(tmp_path / f"{name}.npy", array)
    mapped = {name: np.load(tmp_path / f"{name}.npy", mmap_mode="r") for name in arrays}
    opened = ImageIndex.from_arrays(mapped)
    assert all(isinstance(array, np.memmap) for array in opened.export()[1].values())
    assert _answers(opened, queries, keys) == _answers(library, queries)


def test_votes_counted_on_32_bit_postings_give_the_64_bit_answers(library, queries, monkeypatch):
    narrow = _answers(library, queries)
    assert any(hits for hits in narrow.values())
    monkeypatch.setattr("engine.image.index.NARROW_POSTINGS_MAX_ITEMS", 0)  # as past 16.7 M items
    assert _answers(library, queries) == narrow


def test_hashes_found_by_their_chunks_are_those_a_scan_finds(library, queries, monkeypatch):
    """Segments of up to HASH_SCAN_MAX_ITEMS compare every hash; bigger ones look the query's chunks
    up (multi-index hashing) through their chunk directory: for whole-picture copies (well within 31
    bits) both find the same."""
    scanned = _answers(library, queries)
    assert any(hit[2] is not None and hit[2] >= 0 for hits in scanned.values() for hit in hits)
    monkeypatch.setattr(ImageIndex, "HASH_SCAN_MAX_ITEMS", 0)
    monkeypatch.setattr(ImageIndex, "CODE_TABLE_MAX_ITEMS", 0)  # not among the small parts joined
    keys, arrays = library.export()
    opened = ImageIndex.from_arrays(arrays)
    assert _answers(opened, queries, keys) == scanned
    assert opened._hash_directory is not None


def test_it_refuses_changes_when_opened_from_arrays(library):
    opened = ImageIndex.from_arrays(library.export()[1])
    fingerprint = fingerprinter.from_array(media.photo("rhino.jpg"))
    with pytest.raises(TypeError):
        opened.add("rhino", fingerprint)
    with pytest.raises(TypeError):
        opened.remove(0)
    assert len(opened) == len(media.LIBRARY_PHOTOS)


def test_it_counts_as_hot_only_what_every_search_reads(library):
    keys, arrays = library.export()
    everything = sum(array.nbytes for array in arrays.values())
    assert library.hot_bytes() < everything / 4
    assert library.hot_bytes() <= 4000 * len(keys)


def _fillers(count: int, seed: int = 5) -> list[Fingerprint]:
    """Fingerprints drawn like real ones: keypoints of the unrelated photos, each of its values moved by
    Gaussian noise (SIFT values run 0-~150), at random places (so they share many words with those
    photos, but no geometry); hashes of those photos with their bits shuffled (as balanced as a real
    hash, far from any)."""
    real = [fingerprinter.from_array(media.photo(name)) for name in media.UNRELATED_PHOTOS]
    unpacked = [unpack_arrays(fingerprint) for fingerprint in real]
    descriptors = np.concatenate([u["descriptors"] for u in unpacked])
    hashes = np.stack([u["hash"] for u in unpacked])
    rng = np.random.default_rng(seed)
    made = []
    for _ in range(count):
        picked = descriptors[rng.choice(len(descriptors), 300, replace=False)]
        moved = np.clip(picked + rng.normal(0, 6, picked.shape), 0, 255).astype(np.uint8)
        code = np.packbits(rng.permutation(np.unpackbits(hashes[rng.integers(len(hashes))])))
        data = pack_arrays(hash=code, points=rng.random((300, 2)).astype(np.float16), descriptors=moved)
        made.append(Fingerprint(fingerprinter.name, fingerprinter.version, data))
    return made


def test_a_library_of_thousands_finds_each_copy_and_nothing_else(queries):
    index = fingerprinter.new_index()
    for number, fingerprint in enumerate(_fillers(FILLERS)):
        index.add(f"filler-{number}", fingerprint)
    for name in media.LIBRARY_PHOTOS:
        index.add(name, fingerprinter.for_storage(fingerprinter.from_array(media.photo(name))))
    assert len(index) == FILLERS + len(media.LIBRARY_PHOTOS)
    for (name, transform), fingerprint in queries.items():
        assert [hit.key for hit in index.search(fingerprint)] == [name], transform
    for name in media.UNRELATED_PHOTOS:
        hits = index.search(fingerprinter.from_array(media.photo(name)))
        assert [hit.key for hit in hits] == [], name


def test_postings_of_a_word_are_sorted_by_sign_and_found_by_binary_search(library):
    arrays = library.export()[1]
    starts, postings = arrays["word_starts"], arrays["word_postings"]
    signs = postings >> 24
    for word in range(len(arrays["word_keys"])):
        assert np.all(np.diff(postings[starts[word] : starts[word + 1]].astype(int)) > 0)
        assert np.all(np.diff(signs[starts[word] : starts[word + 1]].astype(int)) >= 0)
    rng = np.random.default_rng(0)
    values = np.sort(rng.integers(0, 256, 50)).astype(np.uint8)
    lo = rng.integers(0, 50, 200)
    hi = np.maximum(lo, rng.integers(0, 51, 200))
    targets = rng.integers(0, 257, 200)
    found = lower_bounds(values, lo, hi, targets)
    expected = [a + int(np.searchsorted(values[a:b], t)) for a, b, t in zip(lo, hi, targets, strict=True)]
    assert found.tolist() == expected


def test_a_segment_of_a_layout_before_one_number_postings_is_refused_so_that_it_is_rebuilt(library):
    arrays = dict(library.export()[1])
    # The layout until 2026-12-03: items and signs in two arrays (and before signs, items alone).
    postings = arrays.pop("word_postings")
    arrays["word_items"], arrays["word_signs"] = postings & 0xFFFFFF, (postings >> 24).astype(np.uint8)
    with pytest.raises(SegmentError, match="word_postings"):
        ImageIndex.from_arrays(arrays)


def test_a_build_of_more_pictures_than_a_posting_can_number_is_refused(monkeypatch, tmp_path):
    photos = media.LIBRARY_PHOTOS[:3]
    items = [fingerprinter.for_storage(fingerprinter.from_array(media.photo(name))) for name in photos]
    monkeypatch.setattr(image_build, "ITEM_LIMIT", 2)
    index = ImageIndex()
    index.add_many((f"p{number}", item) for number, item in enumerate(items))
    with pytest.raises(ValueError, match="at most 2 pictures"):
        index.export()
    with pytest.raises(ValueError, match="at most 2 pictures"):
        ImageIndex.build_export(((f"p{n}", item) for n, item in enumerate(items)), tmp_path / "scratch")


def _part_copy(name: str, shared: int) -> Fingerprint:
    """A query holding `shared` keypoints of library photo `name` (moved by one similarity transform:
    half the size, shifted) among the keypoints of an unrelated photo, whose hashes it also has."""
    original = unpack_arrays(fingerprinter.from_array(media.photo(name)))
    query = dict(unpack_arrays(fingerprinter.from_array(media.photo(media.UNRELATED_PHOTOS[0]))))
    taken = np.linspace(0, ImageIndex.INDEXED_KEYPOINTS - 1, shared).astype(int)
    for suffix in ("", "_mirrored"):
        points, descriptors = query["points" + suffix].copy(), query["descriptors" + suffix].copy()
        points[: len(taken)] = original["points"][taken].astype(np.float32) * 0.5 + 0.2
        descriptors[: len(taken)] = original["descriptors"][taken]
        query["points" + suffix], query["descriptors" + suffix] = points, descriptors
    return Fingerprint(fingerprinter.name, fingerprinter.version, pack_arrays(**query))


def test_a_copy_verified_by_twelve_pairs_of_600_keypoints_is_found_and_five_pairs_are_not(library):
    """MIN_INLIERS alone decides: 12-14 agreeing pairs of two 600-keypoint pictures (2-2.3% of them,
    which a 2.5% share rule lost) are a copy; unrelated photos agree on at most 5."""
    name = media.LIBRARY_PHOTOS[0]
    assert len(library._items[name]["points"]) == 600
    [hit] = library.search(_part_copy(name, 13))
    assert hit.key == name and hit.similarity == pytest.approx(13 / 600, abs=1 / 600)
    assert library.search(_part_copy(name, 5)) == []


def _split_library(parts: int | list[int]) -> tuple[ImageIndex, list[ImageIndex]]:
    """The same items as one index and as `parts` indexes in order: that many of about one size, or
    of these sizes (the last takes the rest)."""
    items = [(f"filler-{number}", fingerprint) for number, fingerprint in enumerate(_fillers(1200, seed=8))]
    items += [
        (name, fingerprinter.for_storage(fingerprinter.from_array(media.photo(name))))
        for name in media.LIBRARY_PHOTOS
    ]
    whole = fingerprinter.new_index()
    whole.add_many(items)
    if isinstance(parts, int):
        bounds = [number * len(items) // parts for number in range(parts + 1)]
    else:
        bounds = [0, *itertools.accumulate(parts[:-1]), len(items)]
    pieces = []
    for start, end in itertools.pairwise(bounds):
        piece = fingerprinter.new_index()
        piece.add_many(items[start:end])
        pieces.append(piece)
    return whole, pieces


# One part searched word then sign, six looked up in one table of their codes (CODE_TABLE_MAX_ITEMS).
MIXED = [700, 1, 8, 64, 400, 30, 9]


@pytest.mark.parametrize("parts", [3, 60, MIXED])
def test_a_library_in_parts_answers_as_one_index_of_all_its_items(queries, parts):
    """Parts of up to 512 items look codes up in one table of all their postings' codes and compare
    their hashes with the query's at once (3 of ~400: the query's codes among the table's; 60 of ~20:
    the table's among the query's), bigger parts and the one index of 1,212 by word then sign and
    hash by hash: all answer alike."""
    whole, pieces = _split_library(parts)
    asked = {
        **queries,
        **{
            ("unrelated", name): fingerprinter.from_array(media.photo(name))
            for name in media.UNRELATED_PHOTOS
        },
    }
    for query, fingerprint in asked.items():
        answers = ImageIndex.search_parts(pieces, fingerprint)
        merged = sorted((hit for hits in answers for hit in hits), key=lambda hit: -hit.similarity)
        expected = whole.search(fingerprint)
        assert [(h.key, h.similarity, h.distance, h.changes) for h in merged] == [
            (h.key, h.similarity, h.distance, h.changes) for h in expected
        ], query
    assert any(whole.search(fingerprint) for fingerprint in queries.values())


@pytest.mark.parametrize("parts", [3, 60, MIXED])
def test_a_library_in_parts_scores_candidates_as_one_index_of_all_its_items(queries, parts):
    """The votes behind the answers: the same candidates with the same scores (each code's postings
    found whole in every part, its rarity counted over the library)."""
    whole, pieces = _split_library(parts)
    keys = [piece.export()[0] for piece in pieces]
    whole_keys = whole.export()[0]
    for fingerprint in list(queries.values())[::3]:
        descriptors = unpack_arrays(fingerprint)["descriptors"]
        expected = [
            (whole_keys[item], score) for _, item, score in ImageIndex.candidates([whole], descriptors)
        ]
        found = [
            (keys[part][item], score) for part, item, score in ImageIndex.candidates(pieces, descriptors)
        ]
        assert found == expected
        assert len(found) == ImageIndex.VERIFY_CANDIDATES


def test_small_parts_changed_after_a_search_are_searched_as_they_are_now(queries):
    """The table of the small parts' codes is kept between searches, and made again when a part
    changes: a stale one would find postings where the part no longer has them."""
    whole, pieces = _split_library(MIXED)
    whole_keys = whole.export()[0]
    descriptors = [unpack_arrays(fingerprint)["descriptors"] for fingerprint in queries.values()]
    ImageIndex.candidates(pieces, descriptors[0])
    for piece in pieces[1:]:
        for key in piece.export()[0][1::2]:  # each part keeps an item: the same parts
            piece.remove(key)
            whole.remove(key)
    whole_keys = whole.export()[0]
    keys = [piece.export()[0] for piece in pieces]
    for asked in descriptors[::3]:
        expected = [(whole_keys[item], score) for _, item, score in ImageIndex.candidates([whole], asked)]
        found = [(keys[part][item], score) for part, item, score in ImageIndex.candidates(pieces, asked)]
        assert found == expected


def test_a_library_in_parts_verifies_only_its_best_few_candidates(queries, monkeypatch):
    whole, pieces = _split_library(6)
    verified = []

    def counted(*args):
        verified.append(1)
        return real_verify(*args)

    real_verify = index_module.verify
    monkeypatch.setattr(index_module, "verify", counted)
    for fingerprint in queries.values():
        verified.clear()
        ImageIndex.search_parts(pieces, fingerprint)
        assert 0 < len(verified) <= ImageIndex.VERIFY_CANDIDATES


def test_words_found_through_a_word_directory_are_those_a_search_of_the_whole_table_finds(
    queries, monkeypatch
):
    """Segments of millions of words find a word by its bucket's place in a directory, then among the
    bucket's keys: the candidates and their scores are those of a search of the whole word table."""
    whole, _ = _split_library(1)
    asked = [unpack_arrays(fingerprint)["descriptors"] for fingerprint in queries.values()]
    searched = [ImageIndex.candidates([whole], descriptors) for descriptors in asked]
    assert all(len(found) == ImageIndex.VERIFY_CANDIDATES for found in searched)
    monkeypatch.setattr(ImageIndex, "WORD_DIRECTORY_MIN_WORDS", 0)
    assert [ImageIndex.candidates([whole], descriptors) for descriptors in asked] == searched
    assert whole._directory is not None


@pytest.mark.parametrize("budget", [ImageIndex.POSTING_BUDGET, 300])
def test_a_query_and_its_mirror_image_looked_up_together_get_what_each_gets_alone(
    queries, monkeypatch, budget
):
    """Both orientations' codes are looked up in the parts at once; each still reads its own tiers
    within its own budget (with 300 postings, some stop after different tiers)."""
    monkeypatch.setattr(ImageIndex, "POSTING_BUDGET", budget)
    _, pieces = _split_library(20)
    for fingerprint in list(queries.values())[::2]:
        unpacked = unpack_arrays(fingerprint)
        sets = [unpacked["descriptors"], unpacked["descriptors_mirrored"]]
        together = ImageIndex.candidates_each(pieces, sets)
        assert together == [ImageIndex.candidates(pieces, descriptors) for descriptors in sets]
        assert all(together)


def test_a_streamed_build_writes_exactly_the_arrays_of_one_in_memory(library, tmp_path):
    items = [
        (name, fingerprinter.for_storage(fingerprinter.from_array(media.photo(name))))
        for name in media.LIBRARY_PHOTOS
    ]
    items += [(f"filler-{number}", fingerprint) for number, fingerprint in enumerate(_fillers(40, seed=8))]
    held = ImageIndex()
    held.add_many(items)
    keys, arrays = held.export()
    streamed_keys, streamed = ImageIndex.build_export(iter(items), tmp_path / "scratch")
    assert streamed_keys == keys
    assert isinstance(streamed["descriptors"], np.memmap)  # read back from the scratch file, not held
    assert sorted(streamed) == sorted(arrays)
    for name, array in arrays.items():
        assert streamed[name].dtype == array.dtype, name
        assert np.array_equal(streamed[name], array), name


def test_a_streamed_build_refuses_a_key_given_twice(tmp_path):
    twice = [("same", fingerprint) for fingerprint in _fillers(2)]
    with pytest.raises(ValueError, match="given twice"):
        ImageIndex.build_export(twice, tmp_path / "scratch")
