"""Text without spaces and Unicode variants: Chinese and Japanese are read character by character,
every word is NFKC-normalised, so a copy is found whatever its width, spacing or punctuation."""

import pytest

from engine.text.fingerprinter import TextFingerprinter
from engine.text.shingles import tokenize
from tests import media

fingerprinter = TextFingerprinter()


@pytest.fixture(scope="module")
def index():
    idx = fingerprinter.new_index()
    for name in ("tang-poems.txt", "soseki.txt"):
        idx.add(name, fingerprinter.from_text(media.cjk_text(name)))
    return idx


def _tang_passage() -> tuple[str, int]:
    text = media.cjk_text("tang-poems.txt")
    start = text.index("《送别》")
    end = text.index("《", text.index("《青溪》") + 1)
    return text[start:end].strip(), start


def _only_passage(matches, key):
    assert [m.key for m in matches] == [key]
    (segment,) = matches[0].segments["text"]
    return segment


def test_a_copied_poem_is_located_to_the_character(index):
    passage, start = _tang_passage()
    segment = _only_passage(index.search(fingerprinter.from_text(passage)), "tang-poems.txt")
    # The passage starts with its title's bracket, which is not a word: the match starts after it.
    assert segment.library_start == start + 1
    assert segment.library_end == start + len(passage) - 1  # before the closing "。"
    assert segment.similarity == 1.0


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _one_in_twenty_replaced(text: str) -> str:
    chars = list(text)
    han = [i for i, c in enumerate(chars) if "\u4e00" <= c <= "\u9fff"]
    for i in han[7::20]:
        chars[i] = "龘"
    return "".join(chars)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda s: " ".join(s.replace("\n", "")), id="a-space-between-every-character"),
        pytest.param(
            lambda s: s.replace("，", ",").replace("。", ".").replace("：", ":"), id="ascii-punctuation"
        ),
        pytest.param(lambda s: _full_width(s.replace("《", "<").replace("》", ">")), id="full-width-forms"),
        pytest.param(lambda s: "".join(c for c in s if c.isalnum()), id="punctuation-removed"),
        pytest.param(_one_in_twenty_replaced, id="one-character-in-twenty-replaced"),
    ],
)
def test_an_edited_poem_is_found_as_one_passage(index, edit):
    passage, start = _tang_passage()
    segment = _only_passage(index.search(fingerprinter.from_text(edit(passage))), "tang-poems.txt")
    assert abs(segment.library_start - start) <= 8
    assert abs(segment.library_end - (start + len(passage))) <= 8


def test_japanese_in_half_width_katakana_and_on_one_line_is_found(index):
    text = media.cjk_text("soseki.txt")
    start = text.index("どこで")
    passage = text[start : text.index("見始であろう")]
    query = (
        "".join(passage.split())
        .replace("ニャーニャー", "ﾆｬｰﾆｬｰ")
        .replace("フワフワ", "ﾌﾜﾌﾜ")
        .replace("スー", "ｽｰ")
    )
    assert query != "".join(passage.split())
    segment = _only_passage(index.search(fingerprinter.from_text(query)), "soseki.txt")
    assert abs(segment.library_start - start) <= 2
    assert abs(segment.library_end - (start + len(passage))) <= 2
    assert segment.similarity == 1.0


def test_poems_of_another_dynasty_match_nothing(index):
    lyrics = media.cjk_text("song-lyrics.txt")
    assert len(lyrics) > 1000
    assert index.search(fingerprinter.from_text(lyrics)) == []


@pytest.mark.parametrize(
    "variant, plain",
    [
        ("ﬁnding", "finding"),  # a ligature
        ("cafe\u0301", "café"),  # a decomposed accent
        ("Ｔｅｘｔ２", "text2"),  # full-width forms
        ("ｶﾞｷﾞ", "ガギ"),  # half-width katakana with its voicing mark
        ("ＳＴＲＡẞＥ", "strasse"),  # case folding beyond ASCII
    ],
)
def test_unicode_variants_read_as_the_plain_word(variant, plain):
    assert tokenize(variant)[0] == tokenize(plain)[0]


def test_offsets_point_into_the_text_as_written():
    text = "《送别》 下马饮君酒，ﬁne"
    words, starts, ends = tokenize(text)
    assert words[:4] == ["送", "别", "下", "马"] and words[-1] == "fine"
    assert text[starts[-1] : ends[-1]] == "ﬁne"
    assert text[starts[2] : ends[3]] == "下马"


def test_korean_is_read_by_its_space_separated_words():
    assert tokenize("대한민국 헌법")[0] == ["대한민국", "헌법"]
