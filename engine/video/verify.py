"""Verification: the query compared exactly with one stretch of one library video, then aligned.

Around a window found by seeds (engine/video/keys.py), the query's hashes are compared with every hash
of that stretch of the library video (vectorised), the close pairs vote for lines in time
(engine/align.py: hough_runs), and along each line every query frame is compared with the library frame
the line puts it at; the stretches where frames agree are the copied segments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.align import hough_runs
from engine.base import Segment
from engine.video.frames import FIRST_GRID_COLUMN

# Frame pairs within this many bits (of 64) are hits.
MAX_BITS = 12
# A query frame keeps at most this many library hits (a static library shot matches many frames);
# each hit votes with 1/(hits of its frame), so ambiguous frames count for little.
HITS_PER_FRAME = 8
MAX_GAP_S = 2.5
BIN_S = 0.4
TOLERANCE_S = 0.6
MIN_HITS = 6
# Hits must come from this many visibly different query frames: a static card, a colour bar or a
# fade repeated over seconds carries no evidence of copying.
MIN_DISTINCT_FRAMES = 2
DISTINCT_BITS = 6
# How far (in query steps: 5 s) a line along a still picture may be moved to where more frames agree.
STILL_SHIFT_STEPS = 25
# Shorter matches are not reported: a second or two of similar pictures proves little.
MIN_SEGMENT_S = 2.0
QUERY_CHUNK = 64
# Along a found line, frames this close keep a segment going.
LOOSE_BITS = 16
# A segment seen only inside a guessed picture-in-picture box must be at least this long.
GUESSED_MIN_SEGMENT_S = 5.0
# A segment of one unchanging, textured picture (a static camera) must match this closely.
STILL_MAX_BITS = 6
# A segment's closest frame must be so close that a pair of unrelated frames that close is expected
# less than this often among all the library's frames (see closest_needed): in a library of 10,000
# hours, unrelated pictures within 12 bits of a query's are common, and a few of them line up.
CHANCE_PER_QUERY = 1e-3


@dataclass(frozen=True)
class Query:
    """A query as verification sees it: its descriptions (hash arrays, one per way of looking at the
    picture), the library columns each is compared with (None: the fixed parts and the seeded crop
    grid; else the fixed parts and the listed ones), how many leading descriptions are certain (the
    rest are guessed inset boxes), frame times, which frames are confident and detailed, and the
    sampling step."""

    code_sets: list[np.ndarray]
    reach: list[list[int] | None]
    certain: int
    times: np.ndarray
    confident: np.ndarray
    detailed: np.ndarray
    step: float


@dataclass(frozen=True)
class Stretch:
    """One library video over a window of time: the whole picture and fixed parts of its stored frames
    (frames, FIRST_GRID_COLUMN) with their times, and the crop grid (grid frames, grid parts) of the
    fewer frames it is kept for, with theirs."""

    codes: np.ndarray
    times: np.ndarray
    grid: np.ndarray
    grid_times: np.ndarray

    def pairs(self, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The hashes of these columns (library columns: fixed parts, then grid parts), flattened
        frame by frame, with each one's time and column."""
        fixed, grid = columns[columns < FIRST_GRID_COLUMN], columns[columns >= FIRST_GRID_COLUMN]
        codes = [self.codes[:, fixed].reshape(-1), self.grid[:, grid - FIRST_GRID_COLUMN].reshape(-1)]
        times = [np.repeat(self.times, len(fixed)), np.repeat(self.grid_times, len(grid))]
        owned = [np.tile(fixed, len(self.times)), np.tile(grid, len(self.grid_times))]
        return np.concatenate(codes), np.concatenate(times), np.concatenate(owned)


def closest_needed(library_frames: int) -> int:
    """The most bits a segment's closest frame may differ by in a library of this many stored frames:
    the largest distance d at which a random 64-bit hash lies within d bits of a given one with a
    chance of at most CHANCE_PER_QUERY / library_frames (MAX_BITS up to about a quarter of an hour of
    library, 8 at 100 hours, 6 from about 1,500 hours on). Real pictures' hashes are not random, which
    makes chance pairs more common, not less."""
    within = 0
    for bits in range(MAX_BITS + 1):
        within += math.comb(64, bits)
        if within / 2**64 * max(1, library_frames) > CHANCE_PER_QUERY:
            return max(bits - 1, STILL_MAX_BITS)
    return MAX_BITS


def verify(
    query: Query, library: Stretch, seeded: set[int], closest: int = MAX_BITS
) -> list[tuple[int, np.ndarray, Segment]]:
    """Copied segments of the query in this stretch: (agreeing frames, query frames covered, segment).
    A segment's closest frame must be within `closest` bits (closest_needed of the library's size)."""
    qi, library_times, columns = _hits(query, library, seeded)
    if len(qi) < MIN_HITS:
        return []
    per_frame = np.bincount(qi, minlength=len(query.times))
    runs = hough_runs(
        query.times[qi],
        library_times,
        1.0 / per_frame[qi],
        bin_width=BIN_S,
        tolerance=TOLERANCE_S,
        max_gap=MAX_GAP_S,
        min_frames=MIN_HITS,
    )
    found = []
    for run in runs:
        # Frames along the line are compared with the whole picture and its fixed parts, and with
        # the one crop-grid part most of the line's hits came from, if it came from there: with
        # every grid part at once, unrelated pictures would agree loosely with one of them.
        parts = np.bincount(columns[run.members], minlength=FIRST_GRID_COLUMN + library.grid.shape[1])
        windows = [(library.codes, library.times.astype(np.float64))]
        if parts.argmax() >= FIRST_GRID_COLUMN:
            column = parts.argmax() - FIRST_GRID_COLUMN
            windows.append((library.grid[:, column : column + 1], library.grid_times.astype(np.float64)))
        line = centred_on_still(query, windows, (run.scale, run.last_offset))
        found += _segments_along(query, windows, line, closest)
    return found


def centred_on_still(query: Query, windows: list, line: tuple[float, float]) -> tuple[float, float]:
    """A still picture agrees along every line that keeps it inside the library's still shot, and
    which of them the votes pick depends on ties between equally close frames (found on a machine
    whose decoder left 2-bit differences in one still: 2.8 s of a 4 s still localised). Where the
    frames agreeing along the line are one picture, the line is moved by whole query steps to where
    the most query frames agree (the nearest such line)."""
    times = query.times
    agree = _closest(query.code_sets, times, windows, line) <= MAX_BITS
    missing = int(len(times) - agree.sum())
    if missing == 0 or not agree.any():
        return line
    if distinct(query.code_sets[0][agree], DISTINCT_BITS) >= MIN_DISTINCT_FRAMES:
        return line
    scale, offset = line
    best, best_line = int(agree.sum()), line
    reach = min(missing, best, STILL_SHIFT_STEPS)  # a line slides at most as far as the still lasts
    for shift in sorted(range(-reach, reach + 1), key=abs):
        moved = (scale, offset + shift * query.step)
        count = int((_closest(query.code_sets, times, windows, moved) <= MAX_BITS).sum())
        if count > best:
            best, best_line = count, moved
            if best == len(times):
                break
    return best_line


def _hits(query: Query, library: Stretch, seeded: set[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Close pairs: (query frame, library time, library column) of each. The whole picture and the
    fixed parts are always compared; of the crop grid, only the parts the window's seeds came from: a
    cropped copy seeds its own part, and the rest of the grid would only cost time. The query's other
    descriptions are compared with the fixed parts and their own (crop combined with them is not
    looked for)."""
    fixed = np.arange(FIRST_GRID_COLUMN)
    grid = np.array(sorted(c for c in seeded if c >= FIRST_GRID_COLUMN), np.int64)
    q_index, times, columns = [], [], []
    for codes, extra in zip(query.code_sets, query.reach, strict=True):
        wanted = np.concatenate([fixed, grid if extra is None else np.array(extra, np.int64)])
        against, at, column = library.pairs(wanted[wanted < FIRST_GRID_COLUMN + library.grid.shape[1]])
        qi, li = close_pairs(codes, against, MAX_BITS, HITS_PER_FRAME, QUERY_CHUNK)
        q_index.append(qi)
        times.append(at[li])
        columns.append(column[li])
    return np.concatenate(q_index), np.concatenate(times).astype(np.float64), np.concatenate(columns)


def _segments_along(query: Query, windows: list, line: tuple[float, float], closest: int) -> list:
    """The hits found the line; along it, every query frame is now compared with the library frames
    (windows: (hashes, times) parts of the library) at the time the line puts it (a static shot's
    right frame is rarely among its closest hits, but it agrees here), and the stretches where frames
    agree are the copied segments."""
    times, step = query.times, query.step
    distance = _closest(query.code_sets, times, windows, line)
    agree = distance <= MAX_BITS
    if query.certain < len(query.code_sets):
        sure = _closest(query.code_sets[: query.certain], times, windows, line) <= MAX_BITS
    else:
        sure = agree
    pictures = _library_pictures(windows[0], times, line)
    scale, offset = line
    found = []
    # Stretches follow the line as long as frames stay loosely alike (overlays and heavy edits push
    # some frames past MAX_BITS; unrelated pictures are ~32 bits apart), but each needs enough frames
    # that truly agree.
    for span in stretches(times, distance <= LOOSE_BITS, MAX_GAP_S):
        stretch = span[agree[span]]
        if distance[stretch].min(initial=64) > closest or not _is_evidence(
            query, stretch, distance, pictures
        ):
            continue
        # Up to three boxes per run of frames are guessed to be insets, most of them wrongly: a
        # segment seen only inside a guessed box must be longer to count.
        seconds = times[stretch[-1]] + step - times[stretch[0]]
        if sure[stretch].mean() < 0.5 and seconds < GUESSED_MIN_SEGMENT_S:
            continue
        q0, q1 = float(times[span[0]]), float(times[span[-1]])
        inside = np.nonzero((times >= q0) & (times <= q1))[0]
        similarity = min(1.0, len(stretch) / max(1, len(inside)))
        library_start, library_end = scale * q0 + offset, scale * q1 + offset
        edit = _edit_seen(query, stretch, windows, line)
        segment = Segment(
            q0, q1 + step, library_start, library_end + step * scale, round(similarity, 4), edit
        )
        found.append((len(stretch), inside, segment))
    return found


# What a copy's frames needed in order to agree, named for the review page (engine.base.Segment.edit).
EDITS = {
    "mirrored": "mirrored",
    "cropped": "cropped (the upload shows part of the library picture)",
    "overlay": "overlay at the edges (a logo, a caption, a ticker)",
    "inset": "picture in picture",
}


def _edit_seen(query: Query, frames: np.ndarray, windows: list, line: tuple[float, float]) -> str:
    """The edit a segment's agreeing frames show: none when most of them agree whole picture to whole
    picture; else the way of looking at them (mirrored, a part of the library's picture, the query
    without its edges, a box in the query) under which most agree. Only names: verification itself
    does not change."""
    times = query.times[frames]
    sets = [codes[frames] for codes in query.code_sets]
    codes, at = windows[0]
    whole, parts = [(codes[:, :1], at)], [(codes[:, 1:], at), *windows[1:]]
    mirrored = query.certain - 1  # the last certain description (engine/video/index.py: as_query)
    ways = [
        ("", sets[:1], whole),
        ("mirrored", sets[mirrored : mirrored + 1], windows),
        ("cropped", sets[:1], parts),
        ("overlay", sets[1:mirrored], whole),
        ("inset", sets[query.certain :], [windows[0]]),
    ]
    shares = [
        (float(np.mean(_closest(described, times, library, line) <= MAX_BITS)) if described else 0.0, name)
        for name, described, library in ways
    ]
    if shares[0][0] >= 0.5:
        return ""
    share, name = max(shares[1:], key=lambda pair: pair[0])
    return EDITS[name] if share >= 0.5 else ""


def _is_evidence(query: Query, stretch: np.ndarray, distance: np.ndarray, pictures: np.ndarray) -> bool:
    """Whether agreeing frames prove a copy: enough of them, long enough, and of at least two visibly
    different pictures on both sides unless they are one still, textured view matched closely.
    Distinctness is judged on well-lit, structured frames only: in the dark end of a fade,
    compression noise alone makes hashes differ. Both sides, because a query picture drifting
    within MAX_BITS of one unchanging library shot is one coincidence, however far it drifts: in a
    library of thousands of hours such a shot is to be expected somewhere."""
    times = query.times
    if len(stretch) < MIN_HITS or times[stretch[-1]] + query.step - times[stretch[0]] < MIN_SEGMENT_S:
        return False
    confident = stretch[query.confident[stretch]]
    if (
        distinct(query.code_sets[0][confident], DISTINCT_BITS) >= MIN_DISTINCT_FRAMES
        and distinct(pictures[confident], DISTINCT_BITS) >= MIN_DISTINCT_FRAMES
    ):
        return True
    return still_view(distance[stretch], query.detailed[stretch])


def _library_pictures(whole: tuple[np.ndarray, np.ndarray], times: np.ndarray, line) -> np.ndarray:
    """The whole-picture hash of the library frame the line puts each query frame at (whole: the
    library's (frames, fixed parts) hashes and their times)."""
    codes, at = whole
    scale, offset = line
    predicted = scale * times + offset
    after = np.clip(np.searchsorted(at, predicted), 0, len(at) - 1)
    before = np.maximum(after - 1, 0)
    nearest = np.where(np.abs(at[before] - predicted) < np.abs(at[after] - predicted), before, after)
    return codes[nearest, 0]


def still_view(distances: np.ndarray, detailed: np.ndarray) -> bool:
    """Whether agreeing frames of one unchanging picture still prove a copy: a static camera's
    textured view (not a card, bars or a fade), matched closely. Closely, because at 1,000 hours an
    unrelated picture within MAX_BITS of it is to be expected somewhere."""
    return bool(detailed.mean() >= 0.8 and np.median(distances) <= STILL_MAX_BITS)


def _closest(code_sets, times, windows: list, line: tuple[float, float]) -> np.ndarray:
    """distance_along over several (codes, times) parts of the library: the closest of them."""
    return np.min([distance_along(code_sets, times, codes, at, line) for codes, at in windows], axis=0)


def distance_along(code_sets, times, library, library_times, line: tuple[float, float]) -> np.ndarray:
    """Each query frame's distance to the closest library frame near where the line puts it (library:
    (frames, parts) hashes at library_times)."""
    scale, offset = line
    predicted = scale * times + offset
    first = np.searchsorted(library_times, predicted - TOLERANCE_S, side="left")
    last = np.searchsorted(library_times, predicted + TOLERANCE_S, side="right")
    reach = int(max(1, (last - first).max(initial=1)))
    at = first[:, None] + np.arange(reach)[None, :]  # (frames, reach) candidate library frames
    valid = at < last[:, None]
    at = np.minimum(at, len(library_times) - 1)
    best = np.full(len(times), 64)
    if len(library_times) == 0:
        return best
    for codes in code_sets:
        distance = np.bitwise_count(codes[:, None, None] ^ library[at]).min(axis=2)
        distance = np.where(valid, distance, 64).min(axis=1)
        best = np.minimum(best, distance)
    return best


def stretches(times: np.ndarray, agree: np.ndarray, max_gap: float) -> list[np.ndarray]:
    """Agreeing frame indices split wherever agreement lapses for more than max_gap seconds."""
    frames = np.nonzero(agree)[0]
    if len(frames) == 0:
        return []
    breaks = np.nonzero(np.diff(times[frames]) > max_gap)[0] + 1
    return np.split(frames, breaks)


def close_pairs(query, library, max_bits, per_frame, chunk):
    """(query index, library index) of pairs within max_bits, at most per_frame closest per query hash."""
    q_rows, l_rows = [], []
    for begin in range(0, len(query), chunk):
        part = query[begin : begin + chunk]
        distance = np.bitwise_count(part[:, None] ^ library[None, :])
        # One flat search and a division: numpy's 2-D nonzero costs three times as much here.
        rows, cols = np.divmod(np.flatnonzero(distance <= max_bits), len(library))
        if len(rows) == 0:
            continue
        counts = np.bincount(rows, minlength=len(part))
        if counts.max() > per_frame:
            # Keep each row's closest: sort by (row, distance) and take the first per_frame of each row.
            order = np.lexsort((distance[rows, cols], rows))
            rows, cols = rows[order], cols[order]
            rank = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
            rows, cols = rows[rank < per_frame], cols[rank < per_frame]
        q_rows.append(rows + begin)
        l_rows.append(cols)
    if not q_rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(q_rows), np.concatenate(l_rows)


def distinct(codes: np.ndarray, min_bits: int, enough: int = 8) -> int:
    """How many of `codes` differ by more than `min_bits` from every code counted before them
    (counting stops at `enough`)."""
    kept: list[np.uint64] = []
    for code in codes:
        if all(int(np.bitwise_count(code ^ other)) > min_bits for other in kept):
            kept.append(code)
            if len(kept) >= enough:
                break
    return len(kept)
