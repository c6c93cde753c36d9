"""Text matching on real Chinese: copied passages found under the edits the English benchmark uses.

Usage: python -m bench.eval_cjk_text --seed 1 [--out docs/eval/cjk-text-seed1.md]

Source: Debian's fortunes-zh (about 950,000 characters of Chinese: classical quotations, proverbs,
poems, the Debian reference's Chinese translation; plus 300 Tang poems and 100 Song lyrics), fetched
with `apt-get download` into bench/.corpus-tools (unpacked, not installed). Consecutive fortunes are
grouped into items of about 8,000 characters; a seeded fifth of the items is held out as the source
of unrelated text (negatives, and the text a passage is embedded in); the rest is the library.

Queries (seeded): excerpts of 120-600 characters starting and ending on a letter, kept only if each
run of 8 of their letters (punctuation and width aside) occurs nowhere else in the library (so the
ground truth is exact) and they hold no table drawn with box characters, edited as the English
benchmark's are: exact; typos (a character replaced, dropped, doubled or swapped with its neighbour at
1 in 50, 1 in 20 or 1 in 10 characters); white space (a space between every character, lines re-wrapped,
line ends removed); width and punctuation (ASCII and full-width forms swapped, punctuation removed);
embedded between unrelated text; two sources spliced. Scored with the VCSL segment metric over
characters (bench/metrics.py), as the English text benchmark is.
"""

from __future__ import annotations

import argparse
import platform
import random
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from statistics import median

from bench.metrics import boundary_errors, med, predicted_boxes, query_pairs, search_timed, segment_scores
from engine.text.fingerprinter import TextFingerprinter

HERE = Path(__file__).resolve().parent
TOOLS = HERE / ".corpus-tools"
PACKAGE = "fortunes-zh"
FORTUNES = TOOLS / "debroot" / "usr" / "share" / "games" / "fortunes"
ITEM_CHARS = 8000
CHECK_CHARS = 8
EDITS = ["exact", "typos", "whitespace", "width_punct", "embedded", "spliced"]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FULL = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
_HALF = {v: k for k, v in _FULL.items()}
_HALF.update({"。": ".", "、": ",", "「": '"', "」": '"', "《": "<", "》": ">"})


def fetch() -> Path:
    """The unpacked fortunes-zh files (downloaded once with apt-get, unpacked with dpkg -x)."""
    if not (FORTUNES / "chinese").is_file():
        debs = TOOLS / "debs"
        debs.mkdir(parents=True, exist_ok=True)
        if not list(debs.glob(f"{PACKAGE}_*.deb")):
            subprocess.run(["apt-get", "download", PACKAGE], cwd=debs, check=True)
        deb = sorted(debs.glob(f"{PACKAGE}_*.deb"))[-1]
        subprocess.run(["dpkg", "-x", str(deb), str(TOOLS / "debroot")], check=True)
    return FORTUNES


def read_items(folder: Path) -> list[tuple[str, str]]:
    """(name, text) items: consecutive fortunes of each file grouped to about ITEM_CHARS."""
    items = []
    for name in ("chinese", "tang300", "song100"):
        text = _ANSI.sub("", (folder / name).read_text(encoding="utf-8"))
        fortunes = [f.strip() for f in text.split("\n%\n") if f.strip()]
        group: list[str] = []
        for fortune in fortunes:
            group.append(fortune)
            if sum(map(len, group)) >= ITEM_CHARS:
                items.append((f"{name}-{len(items):03d}", "\n\n".join(group)))
                group = []
        if group:
            items.append((f"{name}-{len(items):03d}", "\n\n".join(group)))
    return items


def grams(text: str) -> list[str]:
    """Every run of CHECK_CHARS letters (punctuation, spaces and width ignored): two places sharing one
    share a phrase, which counts as a copy (the corpus quotes the classics more than once)."""
    letters = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())
    return [letters[i : i + CHECK_CHARS] for i in range(len(letters) - CHECK_CHARS + 1)]


class Benchmark:
    def __init__(self, items: list[tuple[str, str]], seed: int) -> None:
        self.rng = random.Random(seed)
        shuffled = items[:]
        self.rng.shuffle(shuffled)
        held = len(shuffled) // 5
        self.unrelated = shuffled[:held]
        self.library = dict(shuffled[held:])
        self.places = Counter(gram for text in self.library.values() for gram in grams(text))
        characters = Counter(c for text in self.library.values() for c in text if "\u4e00" <= c <= "\u9fff")
        self.alphabet = [c for c, _ in characters.most_common(3000)]

    def excerpt(self, text: str, lo: int = 120, hi: int = 600) -> tuple[int, int]:
        length = self.rng.randint(lo, hi)
        start = self.rng.randint(0, max(0, len(text) - length))
        end = min(len(text), start + length)
        while start < end and not text[start].isalnum():
            start += 1
        while end > start and not text[end - 1].isalnum():
            end -= 1
        return start, end

    def held_once(self, passage: str, in_library: bool) -> bool:
        """Whether every phrase of the passage is in the library exactly once (a library excerpt) or
        not at all (unrelated text): the ground truth then knows every place a match may point to.
        Tables drawn with box characters (the Debian reference has many) are not text: skipped."""
        found = grams(passage)
        if len(found) < 20 or any("\u2500" <= c <= "\u257f" for c in passage):
            return False
        return all(self.places[g] == int(in_library) for g in found)

    def pick(self, key: str | None = None) -> tuple[str, int, int]:
        """A library excerpt (key, start, end) whose text no other library item holds; or, with
        key None, an unrelated excerpt no library item holds."""
        while True:
            if key is None:
                name, text = self.rng.choice(self.unrelated)
            else:
                name, text = key, self.library[key]
            start, end = self.excerpt(text)
            if self.held_once(text[start:end], key is not None):
                return name, start, end
            key = self.rng.choice(list(self.library)) if key else None

    def typos(self, text: str, rate: float) -> str:
        out, i = [], 0
        while i < len(text):
            c = text[i]
            if "\u4e00" <= c <= "\u9fff" and self.rng.random() < rate:
                op = self.rng.choice(["sub", "del", "ins", "swap"])
                if op == "sub":
                    out.append(self.rng.choice(self.alphabet))
                elif op == "ins":
                    out += [c, c]
                elif op == "swap" and i + 1 < len(text):
                    out += [text[i + 1], c]
                    i += 1
                elif op != "del":
                    out.append(c)
            else:
                out.append(c)
            i += 1
        return "".join(out)

    def edit(self, text: str, name: str) -> tuple[str, str]:
        if name == "typos":
            rate = self.rng.choice([0.02, 0.05, 0.1])
            return self.typos(text, rate), f"typos {rate:.2f}"
        if name == "whitespace":
            mode = self.rng.choice(["spaced", "rewrapped", "one_line"])
            flat = re.sub(r"\s+", "", text)
            if mode == "spaced":
                return " ".join(flat), "whitespace spaced"
            if mode == "rewrapped":
                width = self.rng.randint(16, 40)
                return "\n".join(
                    flat[i : i + width] for i in range(0, len(flat), width)
                ), "whitespace rewrapped"
            return flat, "whitespace one_line"
        if name == "width_punct":
            mode = self.rng.choice(["full_width", "half_width", "no_punct"])
            if mode == "full_width":
                return "".join(_FULL.get(c, c) for c in text), "width full"
            if mode == "half_width":
                return "".join(_HALF.get(c, c) for c in text), "width half"
            return "".join(c for c in text if c.isalnum() or c.isspace()), "punct removed"
        return text, "exact"

    def query(self, kind: str) -> dict:
        """A query text with its ground truth in the corpus format (bench/metrics.py)."""
        if kind == "negative":
            name, start, end = self.pick()
            text, op = self.edit(dict(self.unrelated)[name][start:end], self.rng.choice(EDITS[:4]))
            return {"text": text, "op": op, "negative": True, "matches": []}
        key = self.rng.choice(list(self.library))
        key, start, end = self.pick(key)
        if kind == "spliced":
            other = self.rng.choice([k for k in self.library if k != key])
            other, o_start, o_end = self.pick(other)
            first = self.library[key][start:end]
            second = self.library[other][o_start:o_end]
            text = first + "\n\n" + second
            matches = [
                _match(key, 0, len(first), start, end),
                _match(other, len(first) + 2, len(text), o_start, o_end),
            ]
            return {"text": text, "op": "spliced", "negative": False, "matches": matches}
        if kind == "embedded":
            piece, op = self.edit(
                self.library[key][start:end], self.rng.choice(["exact", "typos", "whitespace"])
            )
            before, after = (self._unrelated_text() for _ in range(2))
            text = before + "\n" + piece + "\n" + after
            begin = len(before) + 1
            match = _match(key, begin, begin + len(piece), start, end)
            return {"text": text, "op": f"embedded ({op})", "negative": False, "matches": [match]}
        piece, op = self.edit(self.library[key][start:end], kind)
        return {
            "text": piece,
            "op": op,
            "negative": False,
            "matches": [_match(key, 0, len(piece), start, end)],
        }

    def _unrelated_text(self) -> str:
        name, start, end = self.pick()
        return dict(self.unrelated)[name][start:end]


def _match(key: str, q_start: int, q_end: int, start: int, end: int) -> dict:
    return {
        "library_id": key,
        "query_start": q_start,
        "query_end": q_end,
        "library_start": start,
        "library_end": end,
    }


def evaluate(bench: Benchmark, positives: int, negatives: int) -> dict:
    fingerprinter = TextFingerprinter()
    index = fingerprinter.new_index()
    started = time.perf_counter()
    for key, text in bench.library.items():
        index.add(key, fingerprinter.from_text(text))
    characters = sum(map(len, bench.library.values()))
    extract_us = (time.perf_counter() - started) / characters * 1e6
    kinds = [EDITS[i % len(EDITS)] for i in range(positives)] + ["negative"] * negatives
    pairs_all, by_op = [], defaultdict(lambda: {"pairs": [], "found": []})
    false_alarms = 0
    search_s: list[float] = []
    for kind in kinds:
        query = bench.query(kind)
        matches, _ = search_timed(index, lambda q=query: fingerprinter.from_text(q["text"]), search_s)
        predicted = predicted_boxes(matches, "text")
        expected = defaultdict(list)
        for m in query["matches"]:
            expected[m["library_id"]].append(
                (m["query_start"], m["query_end"], m["library_start"], m["library_end"])
            )
        pairs = query_pairs(predicted, expected)
        pairs_all.extend(pairs)
        if query["negative"]:
            false_alarms += bool(matches)
            continue
        group = by_op[query["op"].split(" (")[0].split(" ")[0]]
        group["pairs"].extend(pairs)
        group["found"].extend(key in predicted for key in expected)
    return {
        "library": len(bench.library),
        "library_chars": characters,
        "positives": positives,
        "negatives": negatives,
        "false_alarms": false_alarms,
        "segment": segment_scores(pairs_all),
        "boundary": med(boundary_errors(pairs_all)),
        "recall": sum(sum(g["found"]) for g in by_op.values()) / sum(len(g["found"]) for g in by_op.values()),
        "per_op": {
            op: (sum(g["found"]) / len(g["found"]), segment_scores(g["pairs"]).f1, len(g["found"]))
            for op, g in sorted(by_op.items())
        },
        "extract_us": extract_us,
        "search_ms": 1000 * median(search_s),
    }


def render(result: dict, seed: int) -> str:
    seg = result["segment"]
    lines = [
        f"# Chinese text (fortunes-zh), seed {seed}",
        "",
        f"Generated by `python -m bench.eval_cjk_text --seed {seed}` on {platform.node() or 'a machine'}, "
        f"Python {platform.python_version()}, one process.",
        "",
        f"{result['library']} library items ({result['library_chars']:,} characters), {result['positives']} "
        f"queries with copied passages, {result['negatives']} unrelated queries.",
        "",
        "| metric | value |",
        "|---|---|",
        f"| passage recall (the right item is matched) | {result['recall']:.3f} |",
        "| segment precision / recall / F1 (VCSL metric, characters) | "
        f"{seg.precision:.3f} / {seg.recall:.3f} / {seg.f1:.3f} |",
        f"| median boundary error | {result['boundary']:.0f} characters |",
        f"| false alarms on unrelated queries | {result['false_alarms']} of {result['negatives']} |",
        f"| fingerprint time | {result['extract_us']:.2f} µs per character |",
        f"| search time per query (median) | {result['search_ms']:.1f} ms |",
        "",
        "| edit | passage recall | segment F1 | passages |",
        "|---|---|---|---|",
    ]
    lines += [f"| {op} | {r:.3f} | {f1:.3f} | {n} |" for op, (r, f1, n) in result["per_op"].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--positives", type=int, default=240)
    parser.add_argument("--negatives", type=int, default=120)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    bench = Benchmark(read_items(fetch()), args.seed)
    report = render(evaluate(bench, args.positives, args.negatives), args.seed)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
    sys.stdout.write(report)


if __name__ == "__main__":
    main()
