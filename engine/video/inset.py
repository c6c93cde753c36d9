"""Picture-in-picture: find a copy shown as a smaller picture inside other footage.

The inset's border is an edge that stays put while the pictures on both sides of it change. Over a
run of frames, pixels that are an edge in most of them trace persistent lines; the best rectangle of
such lines with the shape of a picture is the inset, and hashing what is inside it (engine/video.py)
lets the query find the copy at its own scale.
"""

from __future__ import annotations

import numpy as np

# A pixel step this large (grey levels, on the 192x108 thumbnail) is an edge ...
EDGE_STEP = 12
# ... and an edge in this share of the frames is persistent.
PERSISTENT_SHARE = 0.5
# Fewer frames than this say nothing about what persists.
MIN_FRAMES = 10
# An inset spans 30-85% of the frame on each axis (of the thumbnail's height for a portrait one)...
MIN_SIDE, MAX_SIDE = 0.3, 0.85
# ... and keeps the shape of the video it shows, one of the usual ones (width / height, within
# ASPECT_TOLERANCE; the thumbnail's pixels are square for a 16:9 frame): boxes that pictures' own
# lines happen to close come in any shape.
ASPECTS = (16 / 9, 4 / 3, 9 / 16, 3 / 4)
ASPECT_TOLERANCE = 0.08
# Share of the rectangle's border that must be persistent edge.
MIN_BORDER = 0.6
# At most this many boxes are searched.
MAX_BOXES = 3
# Only the columns and rows with the longest persistent runs are tried as sides.
CANDIDATES = 32


def find_insets(thumbs: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Up to MAX_BOXES likely insets (top, bottom, left, right) in `thumbs` (frames, rows, cols;
    uint8), best first. Still footage has rectangles of its own (windows, screens, shelves) that
    look like a border too; each box is searched, and only a real copy verifies."""
    if len(thumbs) < MIN_FRAMES:
        return []
    frames = thumbs.astype(np.int16)
    # Steps are measured across two pixels, so a border that falls inside a thumbnail pixel (and is
    # split over two small steps) counts in full. edge_x[r, c] is the step across column c.
    edge_x = (np.abs(frames[:, :, 2:] - frames[:, :, :-2]) >= EDGE_STEP).mean(axis=0) >= PERSISTENT_SHARE
    edge_y = (np.abs(frames[:, 2:, :] - frames[:, :-2, :]) >= EDGE_STEP).mean(axis=0) >= PERSISTENT_SHARE
    edge_x = np.pad(edge_x, ((0, 0), (1, 1)))
    edge_y = np.pad(edge_y, ((1, 1), (0, 0)))
    rows, cols = thumbs.shape[1:]
    xs, ys = np.array(_sides(edge_x, rows)), np.array(_sides(edge_y.T, cols))
    # All pairs of candidate sides that could be left/right and top/bottom, then every combination
    # of the two at once, with side coverage from running sums along each column and row.
    x0, x1 = _pairs(xs, MIN_SIDE * cols, MAX_SIDE * cols)
    y0, y1 = _pairs(ys, MIN_SIDE * rows, MAX_SIDE * rows)
    if len(x0) == 0 or len(y0) == 0:
        return []
    width, height = (x1 - x0)[:, None], (y1 - y0)[None, :]
    aspect = width / height
    shaped = np.any([np.abs(aspect / usual - 1) <= ASPECT_TOLERANCE for usual in ASPECTS], axis=0)
    down = np.vstack([np.zeros((1, cols)), np.cumsum(edge_x, axis=0)])  # down[r, c]: rows < r
    across = np.hstack([np.zeros((rows, 1)), np.cumsum(edge_y, axis=1)])  # across[r, c]: cols < c
    # Every side must show: lines of the pictures themselves rarely close a box.
    score = np.minimum.reduce(
        [
            (down[y1[None, :], x0[:, None]] - down[y0[None, :], x0[:, None]]) / height,
            (down[y1[None, :], x1[:, None]] - down[y0[None, :], x1[:, None]]) / height,
            (across[y0[None, :], x1[:, None]] - across[y0[None, :], x0[:, None]]) / width,
            (across[y1[None, :], x1[:, None]] - across[y1[None, :], x0[:, None]]) / width,
        ]
    )
    score[~shaped] = 0
    # The border rows and columns mix both pictures: the inset lies strictly inside them.
    boxes = [
        (float(score[a, b]), (int(y0[b]) + 1, int(y1[b]), int(x0[a]) + 1, int(x1[a])))
        for a, b in zip(*np.nonzero(score >= MIN_BORDER), strict=True)
    ]
    boxes.sort(key=lambda b: -b[0])
    chosen: list[tuple[int, int, int, int]] = []
    for _, box in boxes:
        # Boxes a pixel or two apart are one border found twice.
        if all(_overlap(box, other) < 0.7 for other in chosen):
            chosen.append(box)
            if len(chosen) == MAX_BOXES:
                break
    return chosen


def _overlap(a, b) -> float:
    """Intersection over union of two (top, bottom, left, right) boxes."""
    height = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    width = max(0, min(a[3], b[3]) - max(a[2], b[2]))
    inter = height * width
    return inter / ((a[1] - a[0]) * (a[3] - a[2]) + (b[1] - b[0]) * (b[3] - b[2]) - inter)


def _pairs(sides: np.ndarray, shortest: float, longest: float) -> tuple[np.ndarray, np.ndarray]:
    """(first, second) of every pair of sides that far apart."""
    first, second = np.triu_indices(len(sides), k=1)
    apart = sides[second] - sides[first]
    fit = (apart >= shortest) & (apart <= longest)
    return sides[first[fit]], sides[second[fit]]


def _sides(persistent: np.ndarray, length: int) -> list[int]:
    """Columns of `persistent` (rows x columns) that could be the side of an inset: persistent edge
    over most of some stretch as long as the shortest side (gaps allowed: where both pictures happen
    to look alike, the border does not show), best first, returned in column order."""
    reach = max(2, int(MIN_SIDE * length))
    counts = np.cumsum(np.vstack([np.zeros((1, persistent.shape[1])), persistent]), axis=0)
    densest = (counts[reach:] - counts[:-reach]).max(axis=0) / reach
    fit = np.nonzero(densest >= MIN_BORDER)[0]
    fit = fit[np.argsort(-densest[fit], kind="stable")][:CANDIDATES]
    return sorted(fit.tolist())
