"""Fingerprinting one input for a media kind: every fingerprinter that describes the kind, those that
read pictures and sound fed by one decode of the file (engine/decode.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import registry
from engine.base import Fingerprint, MediaError, MediaInput, Need, Progress, Source
from engine.decode import Want, decode_streams

STREAMS = (Source.PICTURES, Source.SOUND)


@dataclass
class Extraction:
    """The fingerprints of one input (in registry order), the facts learnt while decoding it, and
    notes on what could not be used (damaged packets skipped, a sound track that does not decode)."""

    fingerprints: list[Fingerprint]
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # The words heard, with their times (speech): (word, start, end).
    words: list[tuple[str, float, float]] = field(default_factory=list)


def fingerprint_input(
    kind: str, media: MediaInput, *, query: bool = True, progress: Progress | None = None
) -> Extraction:
    """All fingerprints of `media` for a job of media kind `kind`. `query=False` leaves out what only
    a search needs (for inputs that are only stored)."""
    chosen = registry.for_kind(kind)
    if not chosen:
        raise MediaError(f"This portal cannot fingerprint {kind} media.", "Unsupported.MediaType")
    made: dict[str, Fingerprint] = {}
    consumers = {}
    wants = []
    for fingerprinter, need in chosen:
        if fingerprinter.source in STREAMS:
            consumers[fingerprinter.name] = consumer = fingerprinter.consumer(query=query, media=media)
            wants.append(Want(fingerprinter.source, consumer, need, fingerprinter.sample_rate))
        else:
            made[fingerprinter.name] = fingerprinter.extract(media, progress, query=query)
    notes: list[str] = []
    if wants:
        assert media.path is not None, f"{kind} fingerprints are made from files"
        notes = decode_streams(media.path, wants, progress)
        made.update({name: consumer.finish() for name, consumer in consumers.items()})
    # What the input is (its duration, size) comes from what the kind requires: a video's duration is
    # its pictures', not its sound's.
    meta: dict[str, Any] = {}
    for need in (Need.REQUIRED, Need.OPTIONAL):
        for fingerprinter, wanted in chosen:
            if wanted == need:
                for key, value in made[fingerprinter.name].meta.items():
                    meta.setdefault(key, value)
    words = next((said for f, _ in chosen if (said := f.words(made[f.name]))), [])
    return Extraction([made[f.name] for f, _ in chosen], meta, notes, words)
