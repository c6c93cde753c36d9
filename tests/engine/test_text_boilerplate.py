"""Shared boilerplate is not a copy: Project Gutenberg's licence, carried by every eBook of a library,
matches nothing, while a passage copied from one of those eBooks is still found."""

import pytest

from engine.text.fingerprinter import TextFingerprinter
from engine.text.index import TextIndex
from tests import media

fingerprinter = TextFingerprinter()


def _licence() -> str:
    book = media.book_text("dickens-music")
    return book[book.index("*** START: FULL LICENSE ***") :]


def _ebook(body: str) -> str:
    """A text as Project Gutenberg publishes it: the work, then the full licence."""
    return body + "\n\n*** END OF THIS PROJECT GUTENBERG EBOOK ***\n\n" + _licence()


def _bodies() -> list[tuple[str, str]]:
    paths = sorted(media.UNRELATED_BOOKS.glob("*.txt"))
    return [(path.stem, path.read_text(encoding="utf-8")) for path in paths]


@pytest.fixture(scope="module")
def library() -> dict[str, str]:
    # Three real eBooks with their own copy of the licence, and five more works given it.
    items = {key: media.book_text(key) for key in media.BOOKS}
    items.update({key: _ebook(body) for key, body in _bodies()[:5]})
    return items


def _index(items: dict[str, str]) -> TextIndex:
    index = fingerprinter.new_index()
    for key, text in items.items():
        index.add(key, fingerprinter.from_text(text))
    return index


def test_the_licence_every_item_carries_matches_nothing(library):
    assert len(library) == 8 and all("START: FULL LICENSE" in text for text in library.values())
    key, body = _bodies()[6]
    new_ebook = _ebook(body)
    assert _index(library).search(fingerprinter.from_text(new_ebook)) == []


def test_a_passage_copied_from_an_ebook_is_found_without_the_licence(library):
    key, body = _bodies()[2]
    passage = body[1000:2500]
    query = _ebook("From an anthology:\n\n" + passage)
    matches = _index(library).search(fingerprinter.from_text(query))
    assert [m.key for m in matches] == [key]
    (segment,) = matches[0].segments["text"]
    assert abs(segment.library_start - 1000) <= 15 and abs(segment.library_end - 2500) <= 15


def test_a_licence_shared_by_only_a_few_items_is_still_reported(library):
    """Below COMMON_ITEMS items a shared passage may be a copy like any other."""
    few = {key: library[key] for key in list(library)[: TextIndex.COMMON_ITEMS - 2]}
    key, body = _bodies()[6]
    matches = _index(few).search(fingerprinter.from_text(_ebook(body)))
    assert {m.key for m in matches} == set(few)


def test_items_held_in_several_segments_are_counted_together(library):
    """A library held in segment files is one library: four items in each of two segments share the
    licence eight times, although neither segment holds five."""
    keys = list(library)
    parts = []
    for half in (keys[:4], keys[4:]):
        _, arrays = _index({key: library[key] for key in half}).export()
        parts.append(TextIndex.from_arrays(arrays))
    _, body = _bodies()[6]
    answers = TextIndex.search_parts(parts, fingerprinter.from_text(_ebook(body)))
    assert answers == [[], []]
    # Each segment alone would have reported its items.
    assert all(len(part.search(fingerprinter.from_text(_ebook(body)))) == 4 for part in parts)
