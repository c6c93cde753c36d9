"""One decode per file, facing a hostile file: a damaged packet that claims to last ten hours."""

import pytest

from engine.base import MediaInput
from engine.decode import MAX_LOST_PACKET_SECONDS
from engine.extract import fingerprint_input
from tests import audio_clips, damage


def test_a_damaged_packet_claiming_hours_becomes_seconds_of_silence(tmp_path):
    song = audio_clips.write(tmp_path / "song.m4a", audio_clips.samples("sugar-plum", 20.0, 20.0))
    lying = damage.lying_damaged_packet(song, claimed_seconds=36_000)
    extraction = fingerprint_input("audio", MediaInput(path=lying))
    assert extraction.notes == [
        f"1 damaged sound packet(s) skipped, about {MAX_LOST_PACKET_SECONDS:.1f} s replaced by silence."
    ]
    # 20 s of music and MAX_LOST_PACKET_SECONDS of silence for the lie, not ten hours.
    assert extraction.meta["duration"] == pytest.approx(20 + MAX_LOST_PACKET_SECONDS, abs=0.1)
