"""Evidence on the review page: a frame strip for every picture segment of a video match, and the
words that differ inside each matched passage of a text match."""

from django.core.files.base import ContentFile

from jobs.models import Match
from review.word_diff import word_diff
from tests.media import book_text


def test_a_word_diff_marks_what_the_upload_changed():
    diff = word_diff("The quick brown fox jumps over the dog.", "The quick red fox jumps over the lazy dog.")
    removed = [c.text for c in diff.changes if c.kind == "removed"]
    added = [c.text for c in diff.changes if c.kind == "added"]
    assert removed == ["brown"] and added == ["red", "lazy "]
    assert diff.changed_words == 3 and not diff.identical
    assert word_diff("Same words.", "Same words.").identical
    assert word_diff("word " * 5000, "word") is None  # too long to compare here


def test_a_text_match_shows_each_passages_changed_words(make_library, submit, as_role):
    library = make_library("books", "text")
    book = book_text("dickens-music")[:40000]
    response = submit(library, "dickens", media_type="text", save_type="onlysave", text=book)
    assert response.status_code == 201
    passage = book[10000:13000]
    words = passage.split(" ")
    words[100], words[200] = "HORSEFEATHERS", "PAPERWEIGHT"  # two words replaced
    response = submit(library, "essay", media_type="text", save_type="nosave", text=" ".join(words))
    assert response.status_code == 201
    match = Match.objects.get()
    page = as_role("moderator").get(f"/matches/{match.id}/").content.decode()
    assert "<ins>HORSEFEATHERS</ins>" in page and "<ins>PAPERWEIGHT</ins>" in page
    original = passage.split(" ")
    assert f"<del>{original[100]}</del>" in page or f"<del>{original[100]}" in page
    assert "j</kbd>/<kbd>k</kbd> next/previous passage" in page


def test_a_video_match_has_a_frame_strip_for_every_picture_segment(make_match, as_role):
    segments = [
        {"start": 0.0, "end": 8.0, "library_start": 10.0, "library_end": 18.0, "similarity": 0.9},
        {"start": 12.0, "end": 16.0, "library_start": 40.0, "library_end": 44.0, "similarity": 0.8},
    ]
    match = make_match(0.9, "film", "clip", segments=segments)
    match.job.input_file.save("clip.mp4", ContentFile(b"not decoded here"))
    match.media.file.save("film.mp4", ContentFile(b"not decoded here"))
    page = as_role("viewer").get(f"/matches/{match.id}/").content.decode()
    assert page.count('class="frame-strip"') == 2
    # Four frames a side, in the middles of the segment's quarters: 1, 3, 5, 7 s of 0-8 s, and so on.
    for t in ("1.00", "3.00", "5.00", "7.00", "12.50", "15.50"):
        assert f"/jobs/{match.job.id.hex}/thumb?t={t}" in page
    for t in ("11.00", "17.00", "40.50", "43.50"):
        assert f"/items/{match.media.id.hex}/thumb?t={t}" in page
