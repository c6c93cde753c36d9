"""The fixtures in tests/fixtures: every media file the tests read is there and listed with its origin in
SOURCES.md, and the cloud reference pieces are the text extract.py took from the references."""

import hashlib
import json
import re

from tests import audio_clips, clips, media
from tests.compat import references

SOURCES = (media.FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
MEDIA_FOLDERS = ["mdn-shared-assets", "gutenberg", "sam2-gallery", "librosa-data", "ljspeech", "cjk"]


def test_every_file_the_tests_read_is_a_fixture():
    paths = [media.PHOTOS / name for name in media.LIBRARY_PHOTOS + media.UNRELATED_PHOTOS]
    paths += [media.GUTENBERG / name for name in media.BOOKS.values()]
    paths += list(clips.SOURCES.values())
    paths += [audio_clips.source(name) for name in [*audio_clips.SONGS, audio_clips.SPEECH]]
    paths += [media.CJK / name for name in ("tang-poems.txt", "song-lyrics.txt", "soseki.txt")]
    for path in paths:
        assert path.is_file(), path
        assert path.is_relative_to(media.FIXTURES), path
    assert len(list(media.UNRELATED_BOOKS.glob("*.txt"))) >= 10


def test_every_media_fixture_is_listed_in_sources_with_its_size():
    listed = dict(re.findall(r"^\| `([^`]+)` \| ([\d,]+) \|", SOURCES, re.M))
    present = {
        path.relative_to(media.FIXTURES).as_posix(): path.stat().st_size
        for folder in MEDIA_FOLDERS
        for path in (media.FIXTURES / folder).rglob("*")
        if path.is_file()
    }
    assert set(listed) == set(present)
    assert {name: int(size.replace(",", "")) for name, size in listed.items()} == present


def test_the_reference_pieces_are_as_extracted():
    entries = json.loads((references.FOLDER / "pieces.json").read_text(encoding="utf-8"))
    for entry in entries:
        reference, name = entry["piece"].split("/")
        text = references.piece(f"{reference}.txt", name)
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == entry["sha256"], entry["piece"]
        assert len(text) == entry["end"] - entry["start"], entry["piece"]
        assert f"| `{entry['piece']}` | `{entry['reference']}` (`{entry['reference_sha256']}`)" in SOURCES
    stored = {p.relative_to(references.FOLDER).as_posix() for p in references.FOLDER.glob("*/*")}
    assert stored == {entry["piece"] for entry in entries}
