"""From chains of shared shingles to copied passages: chains on one diagonal are joined across the
stretches that edits broke, and each stretch of a query is given to its best source.

Both steps work on `engine.align.Run`s in token positions (a run's q_end/m_end are the positions of
its last shingles; the passage reaches `shingle - 1` tokens further).
"""

from __future__ import annotations

from collections.abc import Hashable

from engine.align import Run


def joined(runs: list[Run], *, max_gap: int, max_drift: int) -> list[Run]:
    """Runs on one diagonal (offsets within max_drift) at most max_gap tokens apart, as one run.

    Typos and dropped words break a passage's shingles in clusters; the pieces around a cluster keep
    the passage's offset, which text put between two copied pieces cannot (the library side would
    not be as long as the query side). Each joined piece is already a chain of its own, so joining
    adds no match that was not there, only its true extent."""
    out: list[Run] = []
    for run in sorted(runs, key=lambda r: (r.q_start, r.m_start)):
        for previous in reversed(out):
            gap = run.q_start - previous.q_end
            if gap > max_gap:
                continue
            drift = abs((run.m_start - run.q_start) - previous.last_offset)
            if 0 < gap and drift <= max_drift and run.m_start > previous.m_end:
                previous.q_end, previous.m_end = run.q_end, run.m_end
                previous.hits += run.hits
                previous.last_offset = run.last_offset
                previous.members.extend(run.members)
                break
        else:
            out.append(run)
    return out


def undominated(runs: dict[Hashable, list[Run]], *, shingle: int, share: float, ratio: float) -> None:
    """Drop (in place) a run whose query stretch lies, for `share` of it or more, inside the stretch
    of a run at least `ratio` times longer, of this item or another: a phrase the library repeats
    elsewhere, echoing within a longer copy, is not where that stretch was copied from. Runs of
    similar length over one stretch (one passage held by two items) are both kept."""
    everything = [(key, run) for key, key_runs in runs.items() for run in key_runs]
    everything.sort(key=lambda pair: -(pair[1].q_end - pair[1].q_start))
    kept: list[Run] = []
    dropped: set[int] = set()
    for _, run in everything:
        start, end = run.q_start, run.q_end + shingle
        length = end - start
        for longer in kept:
            if longer.q_end + shingle - longer.q_start < ratio * length:
                break  # kept runs are sorted by length: no longer one can dominate
            inside = min(end, longer.q_end + shingle) - max(start, longer.q_start)
            if inside >= share * length:
                dropped.add(id(run))
                break
        else:
            kept.append(run)
    for key in runs:
        runs[key] = [run for run in runs[key] if id(run) not in dropped]
