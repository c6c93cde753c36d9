"""The contract every registered fingerprinter keeps, shown on its own examples (engine/<folder>/
examples.py, made from the real media in tests/fixtures): a new signal type is tested by adding it."""

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from engine import registry, segments
from engine.base import Fingerprinter, Index, MediaError, Need, Source, Track
from engine.segment_set import SegmentSet

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# How far a copy's reported place in the library may be from where it was copied from.
PLACE_TOLERANCE = {"seconds": 0.5, "characters": 40}


@pytest.fixture(
    scope="module", params=registry.fingerprinters(), ids=lambda fingerprinter: fingerprinter.name
)
def fingerprinter(request) -> Fingerprinter:
    return request.param


@pytest.fixture(scope="module")
def examples(fingerprinter, tmp_path_factory):
    made = fingerprinter.examples(FIXTURES, tmp_path_factory.mktemp(fingerprinter.name))
    assert made, f"{fingerprinter.name} brings no example"
    return made


@cache
def _extracted(fingerprinter: Fingerprinter, media):
    """Each input fingerprinted once for the whole module (speech recognition takes seconds)."""
    return fingerprinter.extract(media)


def _stored(fingerprinter: Fingerprinter, media) -> object:
    return registry.storable(_extracted(fingerprinter, media))


def test_it_declares_what_the_registry_reads(fingerprinter):
    assert fingerprinter.name and fingerprinter.version >= 1
    assert fingerprinter.kinds and all(isinstance(need, Need) for need in fingerprinter.kinds.values())
    assert isinstance(fingerprinter.source, Source)
    assert issubclass(fingerprinter.index_class, Index)
    assert fingerprinter.track is None or isinstance(fingerprinter.track, Track)
    if fingerprinter.source in (Source.PICTURES, Source.SOUND):
        assert fingerprinter.sample_rate > 0
    assert registry.named(fingerprinter.name) is fingerprinter


def test_its_original_finds_itself(fingerprinter, examples):
    for example in examples:
        index = fingerprinter.new_index()
        index.add("original", _stored(fingerprinter, example.original))
        [hit] = index.search(_extracted(fingerprinter, example.original))
        assert hit.key == "original" and hit.similarity >= 0.9, hit


def test_its_edited_copy_is_found_where_it_was_copied_from(fingerprinter, examples):
    for example in examples:
        index = fingerprinter.new_index()
        index.add("original", _stored(fingerprinter, example.original))
        index.add("unrelated", _stored(fingerprinter, example.unrelated))
        hits = index.search(_extracted(fingerprinter, example.copy))
        assert [hit.key for hit in hits] == ["original"], f"{example.edit}: {hits}"
        assert 0 < hits[0].similarity <= 1
        if fingerprinter.track is not None:
            segments = hits[0].segments[fingerprinter.track.name]
            assert segments, example.edit
            if example.copy_at is not None:
                place = min(segment.library_start for segment in segments)
                assert place == pytest.approx(example.copy_at, abs=PLACE_TOLERANCE[fingerprinter.track.unit])


def test_an_unrelated_input_does_not_match(fingerprinter, examples):
    for example in examples:
        index = fingerprinter.new_index()
        index.add("original", _stored(fingerprinter, example.original))
        assert index.search(_extracted(fingerprinter, example.unrelated)) == []


def test_a_bad_input_fails_with_its_code(fingerprinter, examples):
    for example in examples:
        with pytest.raises(MediaError) as raised:
            fingerprinter.extract(example.bad)
        assert raised.value.code == example.bad_code and raised.value.permanent


def test_a_removed_item_is_found_no_more(fingerprinter, examples):
    example = examples[0]
    index = fingerprinter.new_index()
    index.add("original", _stored(fingerprinter, example.original))
    index.remove("original")
    assert len(index) == 0 and index.search(_extracted(fingerprinter, example.copy)) == []


def _written(index, folder: Path, name: str):
    keys, arrays = index.export()
    encoded = np.array([str(key).encode().ljust(16)[:16] for key in keys], "S16").view(np.uint8)
    written = segments.write_segment(folder / name, encoded.reshape(len(keys), 16), arrays, {})
    return segments.open_segment(written.path, written.sha256), keys


def test_its_index_answers_the_same_from_a_segment_file(fingerprinter, examples, tmp_path):
    for number, example in enumerate(examples):
        index = fingerprinter.new_index()
        index.add("gone", _stored(fingerprinter, example.unrelated))
        index.add("original", _stored(fingerprinter, example.original))
        index.add("unrelated", _stored(fingerprinter, example.unrelated))
        index.remove("gone")  # a removed item is left out of the segment
        segment, keys = _written(index, tmp_path, f"{number}.seg")
        assert keys == ["original", "unrelated"]
        opened = fingerprinter.index_class.from_arrays(segment.arrays)
        assert len(opened) == 2
        query = _extracted(fingerprinter, example.copy)
        expected = index.search(query)
        found = opened.search(query)
        assert [keys[hit.key] for hit in found] == [hit.key for hit in expected] == ["original"]
        assert [hit.similarity for hit in found] == [hit.similarity for hit in expected]
        assert [hit.segments for hit in found] == [hit.segments for hit in expected]
        with pytest.raises(TypeError):
            opened.add("more", _stored(fingerprinter, example.original))


def test_a_segment_set_hides_buried_items_but_not_their_newer_copies(fingerprinter, examples, tmp_path):
    example = examples[0]
    first = fingerprinter.new_index()
    first.add("original", _stored(fingerprinter, example.original))
    older, _ = _written(first, tmp_path, "older.seg")
    found = SegmentSet(fingerprinter.index_class)
    found.add_segment("older", 1, older)
    query = _extracted(fingerprinter, example.copy)
    key = b"original".ljust(16)
    assert [hit.key for hit in found.search(query)] == [key]
    found.bury(key, 2)  # deleted at generation 2
    assert found.search(query) == []
    newer, _ = _written(first, tmp_path, "newer.seg")
    found.add_segment("newer", 3, newer)  # saved again at generation 3
    assert [hit.key for hit in found.search(query)] == [key]
