"""Through the REST API: eBooks that all carry Project Gutenberg's licence do not match each other on
it, and a copied passage among them is still reported."""

from tests import media


def _licence() -> str:
    book = media.book_text("dickens-music")
    return book[book.index("*** START: FULL LICENSE ***") :]


def test_a_library_of_ebooks_does_not_flood_the_queue_with_its_licence(make_library, submit, job_result):
    library = make_library("ebooks", media_type="text")
    bodies = sorted(media.UNRELATED_BOOKS.glob("*.txt"))[:7]
    for saved, path in enumerate(bodies[:6]):
        ebook = path.read_text(encoding="utf-8") + "\n\n" + _licence()
        job = job_result(submit(library, path.stem, media_type="text", save_type="forcesave", text=ebook))
        assert job["status"] == "success" and job["saved"]
        # The licence is a match while few items share it, and common text once five do.
        assert len(job["result"]["matches"]) == (saved if saved < 5 else 0)
    # Another eBook: its licence is the library's common text, its work is new.
    fresh = bodies[6].read_text(encoding="utf-8") + "\n\n" + _licence()
    job = job_result(submit(library, "fresh", media_type="text", save_type="nosave", text=fresh))
    assert job["status"] == "success" and job["result"]["matches"] == []
    # An eBook quoting one of them: the quotation is found, the licence is not.
    quoted = bodies[3].read_text(encoding="utf-8")[500:2000]
    job = job_result(
        submit(library, "anthology", media_type="text", save_type="nosave", text=quoted + "\n\n" + _licence())
    )
    [match] = job["result"]["matches"]
    assert match["primary_key"] == bodies[3].stem
    [segment] = match["text_segments"]
    assert abs(segment["master_start"] - 500) <= 15 and segment["end"] <= len(quoted) + 1
