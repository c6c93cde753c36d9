"""The text fingerprinter on real books: copied passages are found and located by character offsets."""

import random

import pytest

from engine.align import chain_hits
from engine.base import MediaError, MediaInput
from engine.text.fingerprinter import TextFingerprinter
from engine.text.shingles import tokenize
from tests import media

fingerprinter = TextFingerprinter()


@pytest.fixture(scope="module")
def books():
    return {key: media.book_text(key) for key in media.BOOKS}


@pytest.fixture(scope="module")
def index(books):
    idx = fingerprinter.new_index()
    for key, text in books.items():
        idx.add(key, fingerprinter.from_text(text))
    return idx


def _only_segment(matches, key):
    assert [m.key for m in matches] == [key]
    segments = matches[0].segments["text"]
    assert len(segments) == 1, segments
    return segments[0]


def test_it_locates_an_exact_excerpt_to_the_character(index, books):
    passage, start = media.excerpt("dickens-music", 0.4)
    segment = _only_segment(index.search(fingerprinter.from_text(passage)), "dickens-music")
    # The first and last words of the passage may be partial; the rest is located exactly.
    assert abs(segment.library_start - start) <= 15
    assert abs(segment.library_end - (start + len(passage))) <= 15
    assert segment.start <= 15 and segment.end >= len(passage) - 15
    assert segment.similarity >= 0.99


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda s: media.typos(s, 0.05), id="typos5"),
        pytest.param(str.upper, id="uppercase"),
        pytest.param(lambda s: " ".join(s.split()), id="rewrapped"),
        pytest.param(
            lambda s: "<html><body><p>" + s.replace("\n\n", "</p>\n<p>") + "</p></body></html>", id="html"
        ),
        pytest.param(lambda s: s.replace(",", "").replace(".", ";"), id="punctuation"),
    ],
)
def test_it_finds_edited_copies(index, edit):
    passage, start = media.excerpt("passamaquoddy", 0.6)
    query = edit(passage)
    matches = index.search(fingerprinter.from_text(query))
    assert matches and matches[0].key == "passamaquoddy"
    assert matches[0].similarity >= 0.6
    segments = matches[0].segments["text"]
    assert min(s.library_start for s in segments) == pytest.approx(start, abs=40)


def test_it_reports_each_passage_of_a_reordered_text(index):
    first, first_start = media.excerpt("beethoven-letters", 0.3, 1200)
    second, second_start = media.excerpt("beethoven-letters", 0.7, 1200)
    query = second + "\n\n" + first
    matches = index.search(fingerprinter.from_text(query))
    segments = sorted(matches[0].segments["text"], key=lambda s: s.start)
    assert len(segments) == 2
    assert segments[0].library_start == pytest.approx(second_start, abs=20)
    assert segments[1].library_start == pytest.approx(first_start, abs=20)
    assert segments[1].start == pytest.approx(len(second) + 2, abs=20)


def test_it_finds_passages_from_two_books_in_one_query(index):
    a, _ = media.excerpt("dickens-music", 0.55, 1500)
    b, _ = media.excerpt("passamaquoddy", 0.45, 1500)
    matches = index.search(fingerprinter.from_text(a + "\n" + b))
    assert {m.key for m in matches} == {"dickens-music", "passamaquoddy"}
    for match in matches:
        assert 0.3 <= match.similarity <= 0.7, "each book covers about half the query"


def test_it_matches_no_unrelated_book(index):
    # A passage from the middle of each of 33 other books (tests/fixtures/SOURCES.md); books that quote
    # Beethoven's letters are left out of them: related, not unrelated (see the test below).
    unrelated = sorted(media.UNRELATED_BOOKS.glob("*.txt"))
    for path in unrelated:
        text = path.read_text(encoding="utf-8")
        assert len(text) == 4000, path
        assert index.search(fingerprinter.from_text(text)) == [], path
    assert len(unrelated) >= 10


def test_it_finds_a_letter_quoted_in_another_book(index):
    """A real-world copy: a Beethoven study quotes a letter printed in the Letters, with small edits."""
    study = (media.GUTENBERG / "15141-Beethoven-a-character-study-Czerny-letter-2000chars.txt").read_text(
        encoding="utf-8"
    )
    at = study.index("at Cz--(Czerny's)")
    matches = index.search(fingerprinter.from_text(study[at - 200 : at + 200]))
    assert [m.key for m in matches] == ["beethoven-letters"]
    letters = media.book_text("beethoven-letters")
    located = [letters[int(s.library_start) : int(s.library_end)] for s in matches[0].segments["text"]]
    assert any("returning" in passage for passage in located), located


def test_its_offsets_point_into_the_original_markup():
    text = "<p>Hello &amp; <b>brave</b> new world</p>"
    words, starts, ends = tokenize(text)
    assert words == ["hello", "brave", "new", "world"]
    assert [text[s:e] for s, e in zip(starts, ends, strict=True)] == ["Hello", "brave", "new", "world"]


def test_it_refuses_text_too_short_to_fingerprint():
    with pytest.raises(MediaError) as raised:
        fingerprinter.extract(MediaInput(text="two words"))
    assert raised.value.code == "InvalidFile.TooShort"


def test_it_refuses_binary_files(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(MediaError) as raised:
        fingerprinter.extract(MediaInput(path=path))
    assert raised.value.code == "InvalidFile.Unsupported"


def test_chaining_separates_two_diagonals_and_drops_scattered_hits():
    import numpy as np

    rng = random.Random(3)
    q = list(range(0, 40)) + list(range(100, 130)) + [rng.randrange(0, 300) for _ in range(10)]
    m = (
        [x + 500 for x in range(0, 40)]
        + [x - 90 for x in range(100, 130)]
        + [rng.randrange(2000, 9000) for _ in range(10)]
    )
    runs = chain_hits(np.array(q), np.array(m), max_gap=5, max_drift=2, min_hits=4)
    assert [(r.q_start, r.q_end, r.m_start, r.m_end) for r in runs] == [(0, 39, 500, 539), (100, 129, 10, 39)]


def _swap_letters(word: str) -> str:
    return word[0] + word[2] + word[1] + word[3:] if len(word) > 3 else word + "x"


def test_a_cluster_of_typos_does_not_split_the_passage(index):
    """Five typos in fifteen words break 17 shingles in a row; the pieces on either side keep the
    passage's offset and are one passage (engine/text/passages.py: joined)."""
    passage, start = media.excerpt("dickens-music", 0.45, 2500)
    words = passage.split(" ")
    for i in range(150, 165, 3):
        words[i] = _swap_letters(words[i])
    segment = _only_segment(index.search(fingerprinter.from_text(" ".join(words))), "dickens-music")
    assert segment.library_start == pytest.approx(start, abs=15)
    assert segment.library_end == pytest.approx(start + len(passage), abs=15)
    assert 0.9 < segment.similarity < 1.0


def test_one_word_in_twenty_misspelt_leaves_one_passage(index):
    passage, start = media.excerpt("passamaquoddy", 0.35, 2500)
    query = media.typos(passage, 0.05)
    assert query != passage
    segment = _only_segment(index.search(fingerprinter.from_text(query)), "passamaquoddy")
    assert segment.end - segment.start >= 0.95 * len(query)


def test_a_phrase_the_library_repeats_elsewhere_is_not_a_second_source(books):
    """Another item holding one sentence of a copied passage is an echo of that sentence, not where the
    passage came from; an item holding the whole passage is a second source and is reported."""
    passage, _ = media.excerpt("beethoven-letters", 0.5, 2000)
    sentence = " ".join(passage.split(" ")[100:115])
    unrelated = [p.read_text(encoding="utf-8") for p in sorted(media.UNRELATED_BOOKS.glob("*.txt"))[:3]]
    idx = fingerprinter.new_index()
    idx.add("letters", fingerprinter.from_text(books["beethoven-letters"]))
    idx.add("echo", fingerprinter.from_text(unrelated[0] + "\n\n" + sentence + "\n\n" + unrelated[1]))
    idx.add("anthology", fingerprinter.from_text(unrelated[2] + "\n\n" + passage))
    # The sentence alone is in all three.
    assert {m.key for m in idx.search(fingerprinter.from_text(sentence))} == {"echo", "letters", "anthology"}
    found = {m.key for m in idx.search(fingerprinter.from_text(passage))}
    assert found == {"letters", "anthology"}
