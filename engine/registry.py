"""The registry of fingerprinters, built from what each engine folder declares (no hand-kept list).

A folder of this package whose `__init__` lists FINGERPRINTERS is a signal type; adding a folder adds
its fingerprinters, the media kinds they serve and the segment track they report.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from engine.base import Fingerprint, Fingerprinter, Need, Track

PACKAGE = Path(__file__).resolve().parent


@cache
def fingerprinters() -> tuple[Fingerprinter, ...]:
    """Every registered fingerprinter, by name."""
    found: list[Fingerprinter] = []
    for module in pkgutil.iter_modules([str(PACKAGE)]):
        if module.ispkg:
            package = importlib.import_module(f"engine.{module.name}")
            found += getattr(package, "FINGERPRINTERS", ())
    names = [fingerprinter.name for fingerprinter in found]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise RuntimeError(f"Two fingerprinters declare the name {sorted(duplicates)[0]!r}.")
    return tuple(sorted(found, key=lambda fingerprinter: fingerprinter.name))


def for_kind(kind: str) -> list[tuple[Fingerprinter, Need]]:
    """The fingerprinters that describe a media kind, each with whether the kind's input must give it
    something to read; empty when the portal cannot fingerprint the kind."""
    return [(f, f.kinds[kind]) for f in fingerprinters() if kind in f.kinds]


def kinds() -> set[str]:
    """The media kinds some fingerprinter requires (kinds a fingerprinter only serves optionally, like
    sound for a video, are not fingerprintable by that alone)."""
    return {kind for f in fingerprinters() for kind, need in f.kinds.items() if need == Need.REQUIRED}


def named(name: str) -> Fingerprinter | None:
    return next((f for f in fingerprinters() if f.name == name), None)


def tracks() -> list[Track]:
    """Every segment track a match may carry, once each, in fingerprinter order."""
    seen: dict[str, Track] = {}
    for fingerprinter in fingerprinters():
        if fingerprinter.track is not None:
            seen.setdefault(fingerprinter.track.name, fingerprinter.track)
    return list(seen.values())


def track(name: str) -> Track:
    """The registered track of that name."""
    return next(t for t in tracks() if t.name == name)


def storable(fingerprint: Fingerprint) -> Fingerprint:
    """The part of a fingerprint that a library stores."""
    fingerprinter = named(fingerprint.fingerprinter)
    return fingerprint if fingerprinter is None else fingerprinter.for_storage(fingerprint)
