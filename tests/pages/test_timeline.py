"""Placing segment bars and marking text passages (jobs/timeline.py)."""

from core.display import clock, similarity_colour
from jobs.timeline import bars, highlight


def test_it_places_bars_on_each_files_own_timeline():
    segments = {
        "video": [{"start": 5, "end": 10, "library_start": 100, "library_end": 110, "similarity": 0.9}],
        "audio": [{"start": 0, "end": 10, "library_start": 95, "library_end": 110, "similarity": 0.7}],
    }
    placed, query_length, library_length = bars(segments, 10.0, 200.0)
    assert (query_length, library_length) == (10.0, 200.0)
    assert [(b.number, b.track.name) for b in placed] == [(1, "audio"), (2, "video")]  # in query order
    assert (placed[1].query_left, placed[1].query_width) == (50.0, 50.0)
    assert (placed[1].library_left, placed[1].library_width) == (50.0, 5.0)


def test_a_short_segment_on_a_long_file_still_shows_and_unknown_lengths_fit_the_bars():
    segments = {
        "video": [{"start": 3600, "end": 3601, "library_start": 2, "library_end": 3, "similarity": 1.0}],
        "audio": [],
    }
    placed, query_length, library_length = bars(segments, 36000.0, None)
    assert placed[0].query_width == 0.6  # the minimum, not 0.003%
    assert library_length == 3  # no duration known: the timeline ends at the last matched second


def test_it_marks_passages_and_gives_overlaps_to_the_first():
    pieces = highlight("abcdefghij", [(1, 2, 5, 0.9), (2, 4, 8, 0.6)])
    assert [(p.text, p.segment) for p in pieces] == [("ab", None), ("cde", 1), ("fgh", 2), ("ij", None)]
    assert pieces[1].colour == similarity_colour(0.9) != pieces[2].colour


def test_clock_and_colours():
    assert clock(12.5) == "0:12.5" and clock(3725) == "1:02:05.0"
    assert similarity_colour(1.0) != similarity_colour(0.5)
