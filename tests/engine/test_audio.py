"""Audio fingerprints on real recordings: edited excerpts are found and placed, unrelated audio is not,
and unusable inputs give a clear error or an empty result."""

from __future__ import annotations

import tracemalloc
import wave

import av
import numpy as np
import pytest

from engine.audio.codes import RATE, analyse
from engine.audio.fingerprinter import AudioFingerprinter
from engine.base import MediaError, MediaInput, unpack_arrays
from engine.extract import fingerprint_input
from tests import audio_clips
from tests.audio_clips import EDITS, edited, samples, write

LIBRARY = ("hungarian-dance", "vibe-ace", "sugar-plum")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("audio")


@pytest.fixture(scope="module")
def index(folder):
    fingerprinter = AudioFingerprinter()
    built = fingerprinter.new_index()
    for name in LIBRARY:
        path = write(folder / f"{name}.flac", samples(name))
        built.add(name, fingerprinter.for_storage(fingerprinter.extract(MediaInput(path=path))))
    return built


def search(index, path):
    return index.search(AudioFingerprinter().extract(MediaInput(path=path)))


@pytest.mark.parametrize("edit", list(EDITS))
def test_it_finds_and_locates_an_edited_excerpt(index, folder, edit):
    path, scale = edited(folder, "sugar-plum", 40.0, 10.0, edit)
    matches = search(index, path)
    assert matches and matches[0].key == "sugar-plum", matches
    [segment] = matches[0].segments["audio"]
    assert segment.start == pytest.approx(0, abs=0.5)
    assert segment.end == pytest.approx(10, abs=0.5)
    assert segment.library_start == pytest.approx(40, abs=0.5)
    assert segment.library_end == pytest.approx(40 + 10 * scale, abs=0.5)
    assert all(m.key == "sugar-plum" for m in matches)


EDITS_NAMED = {
    "pitch+1": ["pitch about +1 semitone"],
    "tempo+5": ["tempo changed, pitch kept"],
    "speed+5": [],  # pitch and tempo together: the review page names the speed from the segments
    "clean": [],
}


@pytest.mark.parametrize("edit", sorted(EDITS_NAMED))
def test_it_names_a_pitch_or_tempo_change(index, folder, edit):
    path, _ = edited(folder, "sugar-plum", 30.0, 12.0, edit)
    [match] = search(index, path)
    assert match.changes == EDITS_NAMED[edit]


@pytest.mark.parametrize("name", ["fishin", audio_clips.SPEECH])
def test_unrelated_audio_does_not_match(index, folder, name):
    path = write(folder / "unrelated.wav", samples(name, 1.0, 12.0))
    assert search(index, path) == []


def test_a_query_holding_two_passages_from_two_items_reports_both(index, folder):
    joined = np.concatenate([samples("vibe-ace", 20.0, 8.0), samples("hungarian-dance", 10.0, 8.0)])
    matches = {m.key: m for m in search(index, write(folder / "two-passages.wav", joined))}
    assert set(matches) == {"vibe-ace", "hungarian-dance"}
    [first] = matches["vibe-ace"].segments["audio"]
    [second] = matches["hungarian-dance"].segments["audio"]
    assert (first.start, first.end, first.library_start) == pytest.approx((0, 8, 20), abs=0.5)
    assert (second.start, second.end, second.library_start) == pytest.approx((8, 16, 10), abs=0.5)


def test_removed_items_are_no_longer_found(folder):
    fingerprinter = AudioFingerprinter()
    built = fingerprinter.new_index()
    for name in ("vibe-ace", "hungarian-dance"):
        built.add(name, fingerprinter.extract(MediaInput(path=write(folder / f"{name}.wav", samples(name)))))
    query = write(folder / "q.wav", samples("vibe-ace", 5.0, 10.0))
    assert [m.key for m in search(built, query)] == ["vibe-ace"]
    built.remove("vibe-ace")
    assert search(built, query) == [] and len(built) == 1


def _tone(seconds=10.0, hz=1000.0):
    return (
        0.5 * np.sin(2 * np.pi * hz * np.arange(int(seconds * audio_clips.RATE)) / audio_clips.RATE)
    ).astype(np.float32)


@pytest.mark.parametrize(
    "name, audio",
    [
        ("silence", np.zeros(10 * audio_clips.RATE, np.float32)),
        ("tone-1khz", _tone()),
        ("dc", np.full(10 * audio_clips.RATE, 0.5, np.float32)),
        (
            "clipped-noise",
            np.sign(np.random.default_rng(3).standard_normal(10 * audio_clips.RATE)).astype(np.float32),
        ),
    ],
)
def test_inputs_without_content_give_an_empty_result(index, folder, name, audio):
    assert search(index, write(folder / f"{name}.wav", audio)) == []


def test_a_tone_in_the_library_does_not_match_a_tone_query(folder):
    fingerprinter = AudioFingerprinter()
    built = fingerprinter.new_index()
    built.add("tone", fingerprinter.extract(MediaInput(path=write(folder / "tone.wav", _tone(30.0)))))
    assert search(built, write(folder / "tone-q.wav", _tone(10.0))) == []


def test_a_zero_length_file_is_refused(folder):
    path = folder / "no-samples.wav"
    with wave.open(str(path), "wb") as out:  # a valid header and not one sample
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44100)
    with pytest.raises(MediaError) as caught:
        AudioFingerprinter().extract(MediaInput(path=path))
    assert caught.value.code == "InvalidFile.Empty"


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", "InvalidFile.Empty"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt garbage that is not a header" * 3, "InvalidFile.Corrupt"),
        (bytes(range(256)) * 64, "InvalidFile.Corrupt"),
    ],
)
def test_corrupt_files_are_refused_with_a_code(folder, content, code):
    path = folder / "corrupt.wav"
    path.write_bytes(content)
    with pytest.raises(MediaError) as caught:
        AudioFingerprinter().extract(MediaInput(path=path))
    assert caught.value.code == code


def test_a_truncated_file_keeps_what_decodes(index, folder):
    path, _ = edited(folder, "sugar-plum", 40.0, 10.0, "mp3_32k")
    data = path.read_bytes()
    cut = folder / "truncated.mp3"
    cut.write_bytes(data[: len(data) * 6 // 10])
    matches = search(index, cut)
    assert matches and matches[0].key == "sugar-plum"


def test_a_file_without_audio_is_refused_for_audio_but_empty_for_video(folder):
    from tests import clips

    video = clips.cut(folder, "dog", 0.0, 2.0).path
    with pytest.raises(MediaError) as caught:
        AudioFingerprinter().extract(MediaInput(path=video))
    assert caught.value.code == "InvalidFile.NoAudioStream"
    extraction = fingerprint_input("video", MediaInput(path=video))
    sound = next(f for f in extraction.fingerprints if f.fingerprinter == AudioFingerprinter.name)
    assert len(unpack_arrays(sound)["codes"]) == 0
    assert extraction.notes == []  # a silent video is not a damaged one


def _peak_memory(minutes: int) -> tuple[int, int]:
    block = np.random.default_rng(0).standard_normal(30 * RATE).astype(np.float32) * 0.1
    tracemalloc.start()
    result = analyse((block for _ in range(minutes * 2)), query=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return len(result["codes"]), peak


def test_long_audio_is_analysed_in_bounded_memory():
    codes, peak_short = _peak_memory(10)
    assert codes == pytest.approx(600 / 0.032, rel=0.01)
    codes, peak_long = _peak_memory(120)
    assert codes == pytest.approx(7200 / 0.032, rel=0.01)
    # Two hours of samples are 230 MB as float32; only their codes (3 bytes per 32 ms) accumulate.
    assert peak_long - peak_short < 0.7e6 * 2, (peak_short, peak_long)


@pytest.mark.slow
def test_a_ten_hour_file_is_fingerprinted_in_bounded_memory(tmp_path):
    """Slow (about 3 minutes): run with `pytest -m slow`."""
    minute = samples("sugar-plum", 30.0, 60.0)
    path = tmp_path / "ten-hours.flac"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("flac", rate=audio_clips.RATE, layout="mono")
        pcm = np.round(np.clip(minute, -1, 1) * 32767).astype(np.int16)
        pts = 0
        for _ in range(600):
            for start in range(0, len(pcm), 4096):
                frame = av.AudioFrame.from_ndarray(
                    pcm[None, start : start + 4096], format="s16", layout="mono"
                )
                frame.sample_rate, frame.pts = audio_clips.RATE, pts
                pts += frame.samples
                container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    tracemalloc.start()
    fingerprint = AudioFingerprinter().extract(MediaInput(path=path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert fingerprint.meta["duration"] == pytest.approx(36000, abs=1)
    # The decoded samples alone would be 1.15 GB at 8 kHz; the codes with their query variants ~45 MB.
    assert peak < 200e6, peak


def test_audio_over_the_length_limit_is_refused(folder, monkeypatch):
    from engine import decode

    monkeypatch.setattr(decode, "MAX_SECONDS", 5)  # the real limit is 12 hours
    path = write(folder / "too-long.wav", samples("vibe-ace", 0.0, 10.0))
    with pytest.raises(MediaError) as caught:
        AudioFingerprinter().extract(MediaInput(path=path))
    assert caught.value.code == "InvalidFile.TooLarge"


@pytest.mark.parametrize("edit", ["clean", "noise0db", "speed+5"])
def test_a_big_segments_key_directory_answers_as_its_keys_do(index, folder, edit, monkeypatch):
    from engine.audio import index as audio_index

    path, _ = edited(folder, "sugar-plum", 40.0, 10.0, edit)
    query = AudioFingerprinter().extract(MediaInput(path=path))
    keys, arrays = index.export()
    assert "seeds" in arrays  # a small index keeps its seeds
    monkeypatch.setattr(audio_index, "DIRECTORY_MIN_KEYS", 0)  # as a segment of 600+ hours does
    _, with_directory = index.export()
    assert "seed_starts" in with_directory and "seeds" not in with_directory
    expected = audio_index.AudioIndex.from_arrays(arrays).search(query)
    found = audio_index.AudioIndex.from_arrays(with_directory).search(query)
    assert [keys[hit.key] for hit in found] == [keys[hit.key] for hit in expected] == ["sugar-plum"]
    assert [hit.segments for hit in found] == [hit.segments for hit in expected]


def test_a_segment_of_the_old_seed_layout_is_refused_so_it_is_rebuilt(index):
    from engine.audio import index as audio_index
    from engine.segments import SegmentError

    _, arrays = index.export()
    old = {name: array for name, array in arrays.items() if name not in ("seed_layout", "seeds")}
    old["seed_keys"] = arrays["seeds"] >> 8  # what a segment written before check bytes holds
    with pytest.raises(SegmentError, match="another layout"):
        audio_index.AudioIndex.from_arrays(old)


def test_seeds_whose_check_byte_is_too_far_from_the_query_give_no_votes(monkeypatch):
    from engine.audio import index as audio_index

    rng = np.random.default_rng(3)
    codes = rng.integers(0, 1 << 16, 600).astype(np.uint16)
    built = audio_index.AudioIndex()
    built._append("item", codes, np.ones(len(codes), bool))
    at = np.arange(0, 400, audio_index.KEY_EVERY)
    probes = (audio_index._keys(codes[at], codes[at + audio_index.KEY_GAP]).astype(np.int64) << 8) | (
        audio_index._checks(codes[at], codes[at + audio_index.KEY_GAP])
    )
    _, rows = built._seeds_near(probes)
    assert set(rows.tolist()) >= set(at.tolist())  # every filed seed is found by its own probe
    # The same keys with 3 check bits flipped: past MAX_CHECK_ERRORS (2), none is found.
    _, rows = built._seeds_near(probes ^ 0b10010001)
    assert not set(rows.tolist()) & set(at.tolist())
    monkeypatch.setattr(audio_index, "MAX_CHECK_ERRORS", 3)
    _, rows = built._seeds_near(probes ^ 0b10010001)
    assert set(rows.tolist()) >= set(at.tolist())
