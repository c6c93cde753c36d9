"""The words heard in a speech job's input, kept with the job (its fingerprint is not kept for a
`nosave` job) so the review page can show the whole transcript beside the library item's."""

from __future__ import annotations

# A transcript longer than this is kept cut (about six hours of speech): the page shows what it has.
MAX_WORDS = 50_000


def packed(words: list[tuple[str, float, float]]) -> dict:
    """Words with their times as a job keeps them (JSON: one string, one flat list of times)."""
    words = words[:MAX_WORDS]
    times = [round(t, 2) for _, start, end in words for t in (start, end)]
    return {"words": " ".join(word for word, _, _ in words), "times": times} if words else {}


def unpacked(kept: dict) -> list[tuple[str, float, float]]:
    said = kept.get("words", "").split(" ") if kept.get("words") else []
    times = kept.get("times", [])
    return [(word, times[2 * i], times[2 * i + 1]) for i, word in enumerate(said) if 2 * i + 1 < len(times)]


def with_passages(
    words: list[tuple[str, float, float]], passages: list[tuple[int, float, float, float]]
) -> tuple[str, list[tuple[int, int, int, float]]]:
    """The transcript as one text, and each passage (number, start, end, similarity in seconds) as the
    characters of the words whose middle lies within it (for jobs.timeline.highlight)."""
    text, places = [], []
    at = 0
    for word, start, end in words:
        places.append((at, at + len(word), (start + end) / 2))
        text.append(word)
        at += len(word) + 1
    spans = []
    for number, lo, hi, similarity in passages:
        inside = [(c0, c1) for c0, c1, middle in places if lo <= middle <= hi]
        if inside:
            spans.append((number, inside[0][0], inside[-1][1], similarity))
    return " ".join(text), spans
