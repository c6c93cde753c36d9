"""The video fingerprinter on real clips: edited excerpts are found and located in time; unrelated
clips and shared low-information frames (black, title cards, colour bars) do not match."""

import av
import cv2
import numpy as np
import pytest

from engine import decode
from engine.base import MediaError, MediaInput
from engine.video.fingerprinter import VideoFingerprinter
from tests import clips

fingerprinter = VideoFingerprinter()
LIBRARY = ["dog", "blocks", "juggle"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="module")
def index(folder):
    idx = fingerprinter.new_index()
    for source in LIBRARY:
        idx.add(source, fingerprinter.extract(MediaInput(path=clips.whole(folder, source))))
    return idx


def _segment(matches, clip):
    assert [m.key for m in matches] == [clip.source], f"{clip.path.name} matched {matches}"
    segments = matches[0].segments["video"]
    assert len(segments) == 1, segments
    return segments[0]


@pytest.mark.parametrize("edit", sorted(clips.EDITS))
def test_it_finds_and_locates_an_edited_excerpt(index, folder, edit):
    source = "blocks" if edit in ("flip", "speed110") else "dog"
    clip = clips.cut(folder, source, 2.0, 5.0, edit)
    segment = _segment(index.search(fingerprinter.extract(MediaInput(path=clip.path))), clip)
    assert segment.start == pytest.approx(0.0, abs=0.5)
    assert segment.end == pytest.approx(clip.duration, abs=0.5)
    assert segment.library_start == pytest.approx(clip.master_start, abs=0.5)
    assert segment.library_end == pytest.approx(clip.master_end, abs=0.5)
    assert segment.similarity >= 0.5


EDITS_NAMED = {
    "flip": ["mirrored"],
    "crop30": ["cropped (the upload shows part of the library picture)"],
    "pip45": ["picture in picture"],
    "reencode": [],
    "brightness": [],
    "letterbox": [],  # the bars are trimmed before hashing: the picture itself is whole
}


@pytest.mark.parametrize("edit", sorted(EDITS_NAMED))
def test_it_names_the_edit_its_frames_needed(index, folder, edit):
    source = "blocks" if edit == "flip" else "dog"
    clip = clips.cut(folder, source, 2.0, 5.0, edit)
    [match] = index.search(fingerprinter.extract(MediaInput(path=clip.path)))
    assert match.changes == EDITS_NAMED[edit]
    assert [segment.edit for segment in match.segments["video"]] == [next(iter(EDITS_NAMED[edit]), "")]


def test_an_excerpt_inside_unrelated_footage_is_located(index, folder):
    _, before = clips.decode("cups")
    times, juggle = clips.decode("juggle")
    at = np.array(times)
    copied = [juggle[int(np.argmin(np.abs(at - (3.0 + k / 30))))] for k in range(150)]
    frames = before[:75] + copied + before[100:175]  # 2.5 s cups, 5 s juggle from 3.0 s, 2.5 s cups
    path = clips.encode(folder / "embedded.mp4", frames, fps=30)
    matches = index.search(fingerprinter.extract(MediaInput(path=path)))
    assert [m.key for m in matches] == ["juggle"]
    segment = matches[0].segments["video"][0]
    assert segment.start == pytest.approx(2.5, abs=0.5)
    assert segment.end == pytest.approx(7.5, abs=0.5)
    assert segment.library_start == pytest.approx(3.0, abs=0.5)
    assert segment.library_end == pytest.approx(8.0, abs=0.5)
    assert 0.3 <= matches[0].similarity <= 0.7, "half of the query is copied"


@pytest.mark.parametrize("source", ["cups", "coffee"])
def test_it_matches_no_unrelated_video(index, folder, source):
    clip = clips.cut(folder, source, 1.0, 6.0)
    assert index.search(fingerprinter.extract(MediaInput(path=clip.path))) == []


def test_shared_black_title_and_colour_bar_frames_do_not_match(folder):
    idx = fingerprinter.new_index()
    idx.add("a", fingerprinter.extract(MediaInput(path=clips.title_sequence(folder, "titles-dog", "dog"))))
    query = fingerprinter.extract(MediaInput(path=clips.title_sequence(folder, "titles-cups", "cups")))
    assert idx.search(query) == []
    only_titles = fingerprinter.extract(MediaInput(path=clips.title_sequence(folder, "titles-only", None)))
    assert idx.search(only_titles) == []


def test_a_still_textured_view_is_found_but_a_still_card_is_not(folder):
    """A static camera's view repeated for seconds is one picture, like a title card; what tells
    them apart is texture (engine/video.py detail()), so the view is found and the card is not."""
    _, frames = clips.decode("coffee")
    view = frames[40]
    card = np.full_like(view, (20, 30, 90))
    cv2.putText(card, "EPISODE 1", (110, 150), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
    _, moving = clips.decode("juggle")
    library = moving[:100] + [view] * 125 + [card] * 125 + moving[100:200]
    idx = fingerprinter.new_index()
    idx.add("a", fingerprinter.extract(MediaInput(path=clips.encode(folder / "still-lib.mp4", library))))

    still = clips.encode(folder / "still-view.mp4", [view] * 100, bitrate=300_000)
    [match] = idx.search(fingerprinter.extract(MediaInput(path=still)))
    [segment] = match.segments["video"]
    # Any 4 s of the 5 s still are a right answer; the segment must lie within them, give or take
    # the alignment's tolerance (0.6 s) and one sampled frame (0.2 s).
    assert segment.library_start >= 4.0 - 0.8 and segment.library_end <= 9.0 + 0.8
    assert segment.end - segment.start >= 3.0

    card_only = clips.encode(folder / "still-card.mp4", [card] * 100, bitrate=300_000)
    assert idx.search(fingerprinter.extract(MediaInput(path=card_only))) == []


def test_a_variable_frame_rate_file_keeps_true_times(index, folder):
    times, frames = clips.decode("dog")
    path = folder / "vfr.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = clips.WIDTH, clips.HEIGHT, "yuv420p"
        pts = 0
        for i in range(60, 240):  # 2 s .. 8 s, frames held for 1 or 3 ticks of 1/30 s
            frame = av.VideoFrame.from_ndarray(frames[i], format="rgb24")
            frame.pts = pts
            pts += 1 if i % 2 else 3
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    matches = index.search(fingerprinter.extract(MediaInput(path=path)))
    assert matches and matches[0].key == "dog"


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", "InvalidFile.Empty"),
        (b"this is not a video" * 50, "InvalidFile.Corrupt"),
    ],
    ids=["zero-length", "garbage"],
)
def test_it_refuses_unusable_files(tmp_path, content, code):
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaError) as raised:
        fingerprinter.extract(MediaInput(path=path))
    assert raised.value.code == code


def test_a_truncated_file_gives_what_decoded_or_a_clear_error(folder, tmp_path):
    whole = clips.whole(folder, "dog").read_bytes()
    path = tmp_path / "truncated.mp4"
    path.write_bytes(whole[: len(whole) // 3])
    try:
        fingerprint = fingerprinter.extract(MediaInput(path=path))
    except MediaError as error:
        assert error.code.startswith("InvalidFile.")
    else:
        assert fingerprint.meta["duration"] > 0


def test_an_audio_only_file_is_refused_as_having_no_video(tmp_path):
    path = tmp_path / "tone.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        samples = (np.sin(np.arange(44100) / 10) * 0.3).astype(np.float32)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate = 44100
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(MediaError) as raised:
        fingerprinter.extract(MediaInput(path=path))
    assert raised.value.code == "InvalidFile.NoVideoStream"


def test_a_huge_resolution_is_refused_before_decoding(folder, monkeypatch):
    monkeypatch.setattr(decode, "MAX_VIDEO_PIXELS", 100 * 100)
    with pytest.raises(MediaError) as raised:
        fingerprinter.extract(MediaInput(path=clips.whole(folder, "dog")))
    assert raised.value.code == "InvalidFile.TooLarge"
