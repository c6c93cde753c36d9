"""Reading SRT and WebVTT: cues in time order, markup removed, words timed within their cue, and a
broken file refused saying where."""

import pytest

from engine.base import MediaError
from engine.speech.subtitles import parse_cues, read_subtitles


def test_srt_with_markup_windows_line_ends_and_a_bom():
    srt = "\ufeff1\r\n00:00:01,500 --> 00:00:03,000\r\n<i>Hello</i> &amp; {\\an8}welcome\r\n\r\n"
    srt += "2\r\n01:00:00,000 --> 01:00:02,000 X1:10 X2:20\r\nthe end\r\n"
    cues = parse_cues(srt)
    assert [(c.start, c.end) for c in cues] == [(1.5, 3.0), (3600.0, 3602.0)]
    assert cues[0].text.split() == ["Hello", "&", "welcome"]


def test_webvtt_with_notes_styles_ids_voices_and_short_times():
    vtt = (
        "WEBVTT - a talk\n\nSTYLE\n::cue { color: yellow }\n\nNOTE two lines\nof notes\n\n"
        "intro\n00:02.000 --> 00:04.000 align:start line:0\n<v Ann>It's <c.loud>here</c>\n\n"
        "00:00:00.500 --> 00:00:01.000\n<00:00:00.600>first\n"
    )
    assert [(c.start, c.text.split()) for c in parse_cues(vtt)] == [(0.5, ["first"]), (2.0, ["It's", "here"])]


def test_words_share_their_cue_in_proportion_to_their_length():
    words = read_subtitles("1\n00:00:10,000 --> 00:00:14,000\nA longer word\n")
    assert [w.text for w in words] == ["a", "longer", "word"]
    assert words[0].start == 10.0 and words[-1].end == pytest.approx(14.0)
    lengths = [w.end - w.start for w in words]
    assert lengths == pytest.approx([4 * 2 / 14, 4 * 7 / 14, 4 * 5 / 14])


@pytest.mark.parametrize(
    "text, says",
    [
        ("", "no cue"),
        ("WEBVTT\n", "no cue"),
        ("just some text\nwithout cues\n", "Line 1"),
        ("1\n00:00:01,000 --> soon\nx\n", "Line 2"),
        ("1\n00:00:03,000 --> 00:00:01,000\nx\n", "ends before it starts"),
        ("1\n00:00:01,000 --> 00:00:02,000\nfine\n\nno timing here\n", "Line 5"),
    ],
)
def test_a_broken_file_is_refused_saying_where(text, says):
    with pytest.raises(MediaError) as refused:
        parse_cues(text)
    assert refused.value.code == "InvalidFile.Subtitles" and says in str(refused.value)
