"""Segment files: written atomically, opened in place, refused when damaged."""

import numpy as np
import pytest

from engine.segments import SegmentError, check_file, open_segment, write_segment

KEYS = np.arange(3 * 16, dtype=np.uint8).reshape(3, 16)


def _arrays():
    return {
        "codes": np.arange(1000, dtype=np.uint64),
        "times": np.linspace(0, 1, 7, dtype=np.float32),
        "table": np.arange(12, dtype=np.int32).reshape(3, 4),
        "empty": np.zeros(0, np.uint16),
    }


def test_it_reads_back_what_it_wrote_as_read_only_memory_maps(tmp_path):
    written = write_segment(tmp_path / "s" / "a.seg", KEYS, _arrays(), {"items": 3})
    segment = open_segment(written.path, written.sha256)
    assert segment.meta == {"items": 3}
    assert np.array_equal(segment.keys, KEYS)
    for name, array in _arrays().items():
        assert segment.arrays[name].dtype == array.dtype
        assert np.array_equal(segment.arrays[name], array)
        assert segment.arrays[name].ctypes.data % 64 == 0 or array.size == 0
    with pytest.raises(ValueError):
        segment.arrays["codes"][0] = 1
    assert written.size == written.path.stat().st_size
    assert [p.name for p in (tmp_path / "s").iterdir()] == ["a.seg", "a.seg.checked"]  # no temporary left


def test_a_damaged_file_is_refused_by_its_checksum(tmp_path):
    written = write_segment(tmp_path / "s" / "a.seg", KEYS, _arrays(), {})
    data = bytearray(written.path.read_bytes())
    data[-10] ^= 1
    written.path.write_bytes(data)
    with pytest.raises(SegmentError, match="damaged"):
        open_segment(written.path, written.sha256)


def test_a_changed_file_is_checked_again_despite_its_note(tmp_path):
    written = write_segment(tmp_path / "s" / "a.seg", KEYS, _arrays(), {})
    check_file(written.path, written.sha256)  # leaves a note
    data = bytearray(written.path.read_bytes())
    data[-1] ^= 1
    written.path.write_bytes(data)  # a new modification time: the note no longer matches
    with pytest.raises(SegmentError, match="damaged"):
        check_file(written.path, written.sha256)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda data: data[:100], "truncated"),
        (lambda data: data[: len(data) // 2], "truncated"),
        (lambda data: b"", "not a segment"),
        (lambda data: b"GIF89a" + data[6:], "not a segment"),
        (lambda data: data[:8] + (10**9).to_bytes(8, "little") + data[16:], "truncated"),
        (lambda data: data[:16] + b"[" + data[17:], "damaged header"),
    ],
)
def test_a_damaged_file_is_refused_without_a_checksum_too(tmp_path, damage, message):
    written = write_segment(tmp_path / "s" / "a.seg", KEYS, _arrays(), {})
    written.path.write_bytes(damage(written.path.read_bytes()))
    with pytest.raises(SegmentError, match=message):
        open_segment(written.path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(SegmentError, match="missing"):
        open_segment(tmp_path / "gone.seg", "0" * 64)


def test_python_objects_are_not_written(tmp_path):
    with pytest.raises(TypeError):
        write_segment(tmp_path / "s" / "a.seg", KEYS, {"bad": np.array([object()])}, {})
    assert not (tmp_path / "s").exists() or not list((tmp_path / "s").iterdir())


def _forged(tmp_path, header: bytes):
    path = tmp_path / "forged.seg"
    path.write_bytes(b"DNASEG1\n" + len(header).to_bytes(8, "little") + header + bytes(256))
    return path


@pytest.mark.parametrize(
    "header",
    [
        b'{"format": 1, "arrays": []}',
        b'{"format": 1, "arrays": {"__keys__": 5}}',
        b'{"format": 1, "meta": [], "arrays": {}}',
        b'{"format": 2, "arrays": {}}',
        b'{"format": 1, "arrays": {"__keys__": {"dtype": "not a type", "shape": [1], "offset": 0}}}',
        b'{"format": 1, "arrays": {"__keys__": {"dtype": "|O", "shape": [1], "offset": 0}}}',
        b'{"format": 1, "arrays": {"__keys__": {"dtype": "|V0", "shape": [1], "offset": 0}}}',
        b'{"format": 1, "arrays": {"__keys__": {"dtype": "<u8", "shape": [-1], "offset": 0}}}',
        b'{"format": 1, "arrays": {"__keys__": {"dtype": "<u8", "shape": [1], "offset": -64}}}',
        # a shape whose product overflows 64 bits must not wrap round to a small size
        b'{"format":1,"arrays":{"__keys__":{"dtype":"<u8","shape":[4294967296,4294967296],"offset":0}}}',
        b'{"format": 1, "arrays": {"__keys__": {"dtype": "<u8", "shape": [1000000], "offset": 0}}}',
        b'{"format": 1, "arrays": {}}',
    ],
)
def test_a_forged_header_is_refused_with_a_segment_error(tmp_path, header):
    with pytest.raises(SegmentError):
        open_segment(_forged(tmp_path, header))
