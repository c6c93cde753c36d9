"""Searching a library (or the items a worker's group saved so far) for what fingerprints match."""

from __future__ import annotations

from engine import registry
from engine.base import Fingerprint, Fingerprinter, Index
from jobs.coverage import union
from jobs.models import Match
from libraries.indexing.reader import library_index
from libraries.models import Exclusion, Library, Media

# Matched passages are stored with their text up to this length; offsets always give the full range.
SEGMENT_TEXT_LIMIT = 2000
MATCH_LIMIT = 50


def search_library(
    library: Library,
    fingerprints: list[Fingerprint],
    query_text: str | None = None,
    within: GroupIndex | None = None,
) -> list[Match]:
    """The library items the fingerprints match, as unsaved matches (best first): one per item, with
    the highest similarity any fingerprinter gave it and the segments of every track. `within`:
    search only these just-saved items instead of the library's index."""
    merged: dict = {}
    for fingerprint in fingerprints:
        fingerprinter = registry.named(fingerprint.fingerprinter)
        index = library_index(library, fingerprinter) if within is None else within.index(fingerprinter)
        for hit in index.search(fingerprint, MATCH_LIMIT):
            current = merged.setdefault(hit.key, {"similarity": 0.0, "segments": {}, "changes": []})
            current["similarity"] = max(current["similarity"], hit.similarity)
            current["changes"] += [change for change in hit.changes if change not in current["changes"]]
            for track, segments in hit.segments.items():
                current["segments"].setdefault(track, []).extend(segments)
    items = within.media if within is not None else Media.objects.in_bulk(list(merged))
    excluded = _exclusions(list(merged)) if within is None else {}
    found = []
    for key, result in merged.items():
        item = items.get(key)
        if item is None:  # deleted since the index was synced
            continue
        if key in excluded and result["segments"]:
            before = _query_covered(result["segments"])
            result["segments"] = _without_excluded(result["segments"], excluded[key])
            if not result["segments"]:  # the match was made only of stretches the item does not own
                continue
            # What is left of the match weighs as much as the share of its copied length it keeps.
            result["similarity"] *= _query_covered(result["segments"]) / before if before else 1.0
        segments = {
            track: _rows(track, found_segments, query_text, item)
            for track, found_segments in result["segments"].items()
        }
        found.append(
            Match(
                library=library,
                media=item,
                primary_key=item.primary_key,
                global_similarity=round(result["similarity"], 4),
                segments=segments,
                changes=result["changes"],
            )
        )
    found.sort(key=lambda match: -match.global_similarity)
    return found


def _rows(track: str, segments: list, query_text: str | None, item: Media) -> list[dict]:
    """Segments as stored, in query order; passages of text tracks carry their text on both sides."""
    rows = [segment.as_dict() for segment in sorted(segments, key=lambda s: s.start)]
    if registry.track(track).unit == "characters":
        for row in rows:
            row["query_text"] = _clip(query_text or "", row["start"], row["end"])
            row["library_text"] = _clip(item.text, row["library_start"], row["library_end"])
    return rows


def _clip(text: str, start: float, end: float) -> str:
    piece = text[int(start) : int(end)]
    return piece if len(piece) <= SEGMENT_TEXT_LIMIT else piece[:SEGMENT_TEXT_LIMIT] + "…"


class GroupIndex:
    """What a worker's group of jobs saved so far, searchable before its segment is written."""

    def __init__(self) -> None:
        self.indexes: dict[str, Index] = {}
        self.media: dict = {}  # by id: perhaps not written yet (jobs/storing.py writes them together)

    def add(self, media: Media, stored: list[Fingerprint]) -> None:
        """Add a saved item by its stored fingerprints (registry.storable)."""
        self.media[media.id] = media
        media_id = media.id
        for fingerprint in stored:
            fingerprinter = registry.named(fingerprint.fingerprinter)
            if fingerprinter.name not in self.indexes:
                self.indexes[fingerprinter.name] = fingerprinter.new_index()
            self.indexes[fingerprinter.name].add(media_id, fingerprint)

    def index(self, fingerprinter: Fingerprinter) -> Index:
        return self.indexes.get(fingerprinter.name) or fingerprinter.new_index()

    def __len__(self) -> int:
        return sum(len(index) for index in self.indexes.values())


def _exclusions(keys: list) -> dict:
    """The excluded ranges of these items, by item id."""
    ranges: dict = {}
    for exclusion in Exclusion.objects.filter(media_id__in=keys):
        ranges.setdefault(exclusion.media_id, []).append(exclusion)
    return ranges


def _query_covered(segments: dict) -> float:
    return union([(s.start, s.end) for found in segments.values() for s in found])


def _without_excluded(segments: dict, exclusions: list) -> dict:
    """The tracks' segments that are not made only of an excluded range of the item."""
    kept = {}
    for track, found in segments.items():
        left = [
            s
            for s in found
            if not any(e.track == track and e.covers(s.library_start, s.library_end) for e in exclusions)
        ]
        if left:
            kept[track] = left
    return kept
