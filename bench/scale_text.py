"""Text lookups in a 1 GB library of about 2,000 books, searched as the portal searches it.

Usage: python -m bench.scale_text [--gb 1.0] [--segment-books 4000] [--out docs/eval/text-scale.md]

The library starts with the real Project Gutenberg books of ../shared/corpus/media (all but five, held
out as unrelated text), fingerprinted for real. It grows to `--gb` GB of text with copies of those
fingerprints whose every shingle hash is XORed with a random 64-bit mask of its own: the same shingle
statistics, repeats and lengths as real books, content that matches nothing. An item stands for as
many characters as its book has, so the library's size is counted in the characters it stands for.

Queries are 10 pages (about 30,000 characters, 5,000 words) each: from a real library book, as they
are and with 1 in 20 words misspelt; and from the five held-out books (must match nothing). Latency is
fingerprinting plus search, and the search alone (wall and this process's CPU time), over the library
written as segment files (engine/segments.py) of at most `--segment-books` items, memory-mapped and
searched through a SegmentSet. One process, one run.
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from engine.base import Fingerprint, pack_arrays, unpack_arrays
from engine.segment_set import SegmentSet
from engine.segments import open_segment, write_segment
from engine.text.fingerprinter import TextFingerprinter

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus" / "media"
# Held out as unrelated text: five books no library book quotes. ("The Rescue of the Princess Winsome" is
# printed whole inside "The Little Colonel's Hero": it cannot be unrelated, so it is a library book.)
HELD_OUT = {
    1: (
        "The-Merry-Thought",
        "The-Mide-wiwin",
        "The-Mind-the-Paint-Girl",
        "The-Pianoforte-Sonata",
        "Slavery-s",
    ),
    2: ("Jack-Sheppard", "Katrine", "The-Devil-s-Dictionary", "Delsarte-System", "The-Complete-Angler"),
}
PAGE_CHARS = 3000
QUERY_PAGES = 10


def books(corpus: Path) -> list[tuple[str, str]]:
    found = sorted(corpus.glob("GITenberg__*/*.txt"))
    return [
        (path.parent.name.split("__", 1)[1][:40], path.read_text(encoding="utf-8", errors="replace"))
        for path in found
    ]


def body(text: str) -> str:
    """The work itself, without Project Gutenberg's header, production credits and licence. Those are
    boilerplate every eBook carries, which the library counts as common text once enough of its items
    hold it; here only its 32 real books do (the masked copies hold nothing real), too few for a
    library of 3,000 items, so the credits ("Produced by ... Distributed Proofreading Team at
    http://www.pgdp.net") would match as shared text that a library of real eBooks ignores."""
    start, end = text.find("*** START OF"), text.find("*** END OF")
    if start < 0 or end < start:
        return text
    work = text[text.index("\n", start) + 1 : end]
    credits = work.find("Produced by")
    if 0 <= credits < 2000:
        after = work.find("\n\n", work.find("\n\n", credits) + 2)
        work = work[after:] if after > 0 else work
    return work


def misspelt(text: str, rng: random.Random, rate: float = 0.05) -> str:
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > 3 and rng.random() < rate:
            j = rng.randrange(len(word) - 2)
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


class Library:
    """Items added to an in-memory index, written out as a segment file every `limit` items."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.fingerprinter = TextFingerprinter()
        self.folder, self.limit = folder, limit
        shutil.rmtree(folder, ignore_errors=True)
        self.set = SegmentSet(self.fingerprinter.index_class)
        self.index = self.fingerprinter.new_index()
        self.pending = self.items = self.bytes = self.characters = 0

    def add(self, key: str, fingerprint: Fingerprint, characters: int) -> None:
        self.index.add(key, fingerprint)
        self.items += 1
        self.pending += 1
        self.characters += characters
        if self.pending >= self.limit:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        keys, arrays = self.index.export()
        encoded = np.frombuffer(b"".join(k.encode()[:16].ljust(16, b"\0") for k in keys), np.uint8).reshape(
            -1, 16
        )
        name = f"part{len(self.set.parts)}"
        written = write_segment(self.folder / f"{name}.seg", encoded, arrays, {})
        self.set.add_segment(name, 0, open_segment(written.path, written.sha256))
        self.bytes += written.size
        self.index, self.pending = self.fingerprinter.new_index(), 0


def build(real: list[tuple[str, str]], characters: int, folder: Path, limit: int) -> Library:
    library = Library(folder, limit)
    made = []
    for number, (_, text) in enumerate(real):
        fingerprint = library.fingerprinter.from_text(text)
        library.add(f"b{number}", fingerprint, len(text))
        made.append((unpack_arrays(fingerprint), len(text)))
    rng = np.random.default_rng(1)
    copy = 0
    while library.characters < characters:
        arrays, length = made[copy % len(made)]
        mask = np.uint64(rng.integers(1, 1 << 63))
        data = pack_arrays(shingles=arrays["shingles"] ^ mask, starts=arrays["starts"], ends=arrays["ends"])
        library.add(
            f"d{copy}",
            Fingerprint(library.fingerprinter.name, library.fingerprinter.version, data),
            length,
        )
        copy += 1
    library.flush()
    return library


def queries(
    real: list[tuple[str, str]], held: list[tuple[str, str]], count: int
) -> list[tuple[str, str, str | None]]:
    """(kind, text, the library key it must match or None)."""
    rng = random.Random(7)
    length = PAGE_CHARS * QUERY_PAGES
    made = []
    for i in range(count):
        number = rng.randrange(len(real))
        text = real[number][1]
        start = rng.randrange(max(1, len(text) - length))
        passage = text[start : start + length]
        made.append(
            ("copied", passage, f"b{number}")
            if i % 2 == 0
            else ("misspelt", misspelt(passage, rng), f"b{number}")
        )
    for i in range(count // 2):
        text = body(held[i % len(held)][1])
        start = rng.randrange(max(1, len(text) - length))
        made.append(("unrelated", text[start : start + length], None))
    return made


def measure(library: Library, asked: list[tuple[str, str, str | None]]) -> dict:
    fingerprinter = library.fingerprinter
    total, alone, cpu = [], [], []
    right = wrong = 0
    for _, text, key in asked:
        started = time.perf_counter()
        fingerprint = fingerprinter.from_text(text)
        searched, ticks = time.perf_counter(), time.process_time()
        hits = library.set.search(fingerprint)
        cpu.append(time.process_time() - ticks)
        alone.append(time.perf_counter() - searched)
        total.append(time.perf_counter() - started)
        found = [hit.key.rstrip(b"\0").decode() for hit in hits]
        if key is None:
            wrong += bool(found)
        else:
            right += bool(found) and found[0] == key

    def p(values, q):
        return 1000 * float(np.percentile(values, q))

    return {
        "positives": sum(1 for _, _, key in asked if key),
        "right": right,
        "negatives": sum(1 for _, _, key in asked if key is None),
        "false_alarms": wrong,
        "total": (p(total, 50), p(total, 95)),
        "alone": (p(alone, 50), p(alone, 95)),
        "cpu": (p(cpu, 50), p(cpu, 95)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gb", type=float, default=1.0, help="library size in GB of text it stands for")
    parser.add_argument("--segment-books", type=int, default=4000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--held-out", type=int, choices=sorted(HELD_OUT), default=1, help="which five books")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--segments", type=Path, default=HERE / "data" / "text-segments")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    everything = books(args.corpus)
    held = [book for book in everything if book[0].startswith(HELD_OUT[args.held_out])]
    real = [book for book in everything if not book[0].startswith(HELD_OUT[args.held_out])]
    started = time.perf_counter()
    library = build(real, int(args.gb * 1e9), args.segments, args.segment_books)
    built_s = time.perf_counter() - started
    warm = library.set.warm()
    result = measure(library, queries(real, held, args.queries))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        "# Text lookups in a 1 GB library",
        "",
        f"Generated by `python -m bench.scale_text --gb {args.gb} --segment-books {args.segment_books} "
        f"--queries {args.queries} --held-out {args.held_out}` "
        f"on {platform.node() or 'a machine'}, Python {platform.python_version()}, one process.",
        "",
        f"{len(real)} real books and {library.items - len(real)} masked copies: {library.items} items "
        f"standing for {library.characters / 1e9:.2f} GB of text ({library.characters:,} characters), in "
        f"{len(library.set.parts)} segment file(s) of {library.bytes / 1e9:.2f} GB; built in "
        f"{built_s:.0f} s; {warm / 1e6:.0f} MB read to warm the index; peak memory of the process "
        f"{rss_mb:,.0f} MB.",
        "",
        f"Queries of {QUERY_PAGES} pages ({PAGE_CHARS * QUERY_PAGES:,} characters): "
        f"{result['positives']} from library books (half of them with 1 in 20 words misspelt), "
        f"{result['negatives']} from the works of {len(held)} held-out books.",
        "",
        "| | value |",
        "|---|---|",
        f"| best match is the right book | {result['right']} of {result['positives']} |",
        f"| unrelated queries matched | {result['false_alarms']} of {result['negatives']} |",
        f"| fingerprint + search, p50 / p95 | {result['total'][0]:.0f} / {result['total'][1]:.0f} ms |",
        f"| search alone (wall), p50 / p95 | {result['alone'][0]:.0f} / {result['alone'][1]:.0f} ms |",
        f"| search alone (CPU), p50 / p95 | {result['cpu'][0]:.0f} / {result['cpu'][1]:.0f} ms |",
    ]
    report = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    sys.stdout.write(report)


if __name__ == "__main__":
    main()
