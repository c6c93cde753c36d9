"""The text fingerprinter's own examples: a real book's passage quoted with re-wrapping, a changed case
and HTML around it, an unrelated book, and a binary file (see Example in engine/base.py)."""

from __future__ import annotations

from pathlib import Path

from engine.base import Example, MediaInput

ORIGINAL = "gutenberg/16595-Charles-Dickens-and-Music.txt"
UNRELATED = "gutenberg/unrelated/972-The-Devil-s-Dictionary-middle4000.txt"


def examples(fixtures: Path, work: Path) -> list[Example]:
    book = (fixtures / ORIGINAL).read_text(encoding="utf-8")
    start = book.index(" ", len(book) // 3) + 1
    passage = book[start : start + 1500]
    words = passage.split()
    rewrapped = "\n".join(" ".join(words[i : i + 9]) for i in range(0, len(words), 9))
    copy = (
        f"<html><body><p>Quoted from elsewhere:</p><blockquote>{rewrapped.upper()}</blockquote></body></html>"
    )
    binary = work / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02 not text \x00" * 40)
    return [
        Example(
            original=MediaInput(text=book),
            copy=MediaInput(text=copy),
            edit="re-wrapped, upper case, inside HTML",
            unrelated=MediaInput(text=(fixtures / UNRELATED).read_text(encoding="utf-8")),
            bad=MediaInput(path=binary),
            bad_code="InvalidFile.Unsupported",
            copy_at=float(start),
        )
    ]
