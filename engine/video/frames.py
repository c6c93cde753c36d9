"""What one sampled frame becomes: 64-bit DCT hashes of its picture and of parts of it.

Black or flat bars around the picture are trimmed per frame (letterbox, pillarbox); how many of a
hash's bits are firm says whether the frame can carry a match at all (black, fades and colour bars
cannot: VideoIndex skips them). Every frame is also hashed on parts of its picture: fixed crops and a
grid of 70% windows, so a cropped copy finds its original; queries search with their centre (overlays
at the edges), mirrored (flips), and inside any box that may be a picture-in-picture inset
(engine/video/inset.py).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.video.inset import MAX_BOXES, find_insets

SAMPLE_FPS = 5.0
# A hash bit is firm when its DCT coefficient is clear of the median; bits that are not firm flip with
# compression noise. Black frames, dark fades and colour bars (no vertical detail at all) have few
# firm bits; they get no hash. Real pictures have 55-64, static title cards 30-55.
FIRM_MARGIN = 1.0
MIN_FIRM_BITS = 40
# Distinctness (see VideoIndex) is judged on frames at least this firm.
CONFIDENT_FIRM_BITS = 48
_BAR_STD = 4.0  # a border row/column this flat is a bar, not picture
DETAIL_STD = 4.0  # a cell of the thumbnail this varied has texture (see detail())
# Pictures with at least this much detail (percent of cells) are views, not cards (see VideoIndex).
RICH_DETAIL = 60
_BAR_MAX = 0.35  # never trim more than this share from one side


def _content_box(thumb: np.ndarray, row_std=None, col_std=None) -> tuple[int, int, int, int]:
    """Rows/columns of `thumb` left after trimming flat borders from each side (each row's and column's
    spread may be given, computed for a whole run of thumbnails at once)."""
    rows, cols = thumb.shape
    row_flat = (thumb.std(axis=1) if row_std is None else row_std) < _BAR_STD
    col_flat = (thumb.std(axis=0) if col_std is None else col_std) < _BAR_STD

    def trim(flat: np.ndarray, limit: int) -> tuple[int, int]:
        start = 0
        while start < limit and flat[start]:
            start += 1
        end = len(flat)
        while len(flat) - end < limit and end > start + 1 and flat[end - 1]:
            end -= 1
        return start, end

    r0, r1 = trim(row_flat, int(rows * _BAR_MAX))
    c0, c1 = trim(col_flat, int(cols * _BAR_MAX))
    return r0, r1, c0, c1


# Rows 1-8 of the 32-point DCT-II matrix (as cv2.dct uses): the hash's coefficients of a 32x32 block B
# are _DCT8 @ B @ _DCT8.T, which numpy computes for a whole stack of blocks in one call.
_DCT8 = np.ascontiguousarray(cv2.dct(np.eye(32, dtype=np.float32), flags=cv2.DCT_ROWS).T[1:9])


def _hashes(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hashes (uint64) of a stack of 32x32 float32 blocks, and how many of each one's bits are firm."""
    coefficients = (_DCT8 @ blocks @ _DCT8.T).reshape(len(blocks), 64)
    # The median of 64 values, as np.median gives it, without its generic machinery.
    middle = np.partition(coefficients, (31, 32), axis=1)
    median = (middle[:, 31:32] + middle[:, 32:33]) / np.float32(2)
    bits = np.packbits(coefficients > median, axis=1)
    firm = np.count_nonzero(np.abs(coefficients - median) > FIRM_MARGIN, axis=1)
    return bits.view(">u8")[:, 0].astype(np.uint64), firm


# Library frames are also hashed on parts of the picture, so a cropped copy (whose whole picture is a
# part of the original's) finds them: (share of width and height kept, where: 0 top/left .. 1 bottom/right).
# Shifting a window by 2-5% of its size moves its hash by 8-16 of 64 bits (measured on corpus frames),
# so the parts a copy may have kept (a 70% crop anywhere in the picture) are hashed on a 5x5 grid of
# positions: a crop is then at most 5% of its size from one of them.
_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
CROP_VARIANTS = (
    (0.9, 0.5, 0.5),
    (0.9, 0.0, 0.0),
    (0.9, 0.0, 1.0),
    (0.9, 1.0, 0.0),
    (0.9, 1.0, 1.0),
    (0.8, 0.5, 0.5),
    (0.7, 0.5, 0.5),
) + tuple((0.7, down, right) for down in _GRID for right in _GRID if (down, right) != (0.5, 0.5))
# Columns from here on are the crop grid: a copy is one crop, so a found line is then followed on the
# one grid part most of its hits came from (see VideoIndex._verify), not on all of them at once.
FIRST_GRID_COLUMN = 8
# Queries also search with parts of their picture that leave out where overlays go, each against the
# library's same part: the central 80% (most captions, logos and tickers at the edges) and the
# upper-central 70% (a caption bar or ticker along the bottom). The central 70% was tried too: it
# found more overlays but matched two unrelated clips in the held-out benchmark.
QUERY_VARIANTS = (0, 6, 1 + CROP_VARIANTS.index((0.7, 0.25, 0.5)))
# Picture-in-picture is looked for over runs of this many sampled frames (bounded memory; a layout
# that changes is found again in the next run).
INSET_RUN = 100


def thumbnail(luma: np.ndarray) -> np.ndarray:
    """The 192x108 uint8 thumbnail every hash of a frame is computed from."""
    if luma.shape[1] > 2 * 384:
        # Bilinear to 384x216 first (a 2x2 average per sample), then area: same thumbnail for our
        # purpose at a 20th of the cost of one area resize from full 720p/1080p.
        luma = cv2.resize(luma, (384, 216), interpolation=cv2.INTER_LINEAR)
    return cv2.resize(luma, (192, 108), interpolation=cv2.INTER_AREA)


def _part_windows() -> list[tuple[int, int, int]]:
    """Each part of CROP_VARIANTS as a 32x32 window (size, top, left) of the picture resized to a
    square of `size` = 32/share: a part is then a slice, not a resize of its own."""
    windows = []
    for share, down, right in CROP_VARIANTS:
        size = round(32 / share)
        windows.append((size, round((size - 32) * down), round((size - 32) * right)))
    return windows


_PART_WINDOWS = _part_windows()


def detail(content: np.ndarray) -> int:
    """Percent of the picture's 16x9 cells with texture: a static camera's view has it nearly
    everywhere; a title card, colour bars or a fade have it in under half of their cells."""
    rows, cols = content.shape[0] // 9, content.shape[1] // 16
    if rows == 0 or cols == 0:
        return 0
    cells = content[: rows * 9, : cols * 16].reshape(9, rows, 16, cols).std(axis=(1, 3))
    return int(round(100 * np.count_nonzero(cells > DETAIL_STD) / cells.size))


def run_codes(thumbs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For a run of thumbnails (frames, 108, 192) uint8: the hashes of each picture and its parts
    (frames, 1 + len(CROP_VARIANTS)), of each mirrored picture, each picture's firm bits and its
    detail. All the run's hashes are computed in one batch."""
    pictures = thumbs.astype(np.float32)
    row_std, col_std = pictures.std(axis=2), pictures.std(axis=1)
    blocks, details = [], []
    for picture, rows, cols in zip(pictures, row_std, col_std, strict=True):
        r0, r1, c0, c1 = _content_box(picture, rows, cols)
        content = picture[r0:r1, c0:c1]
        blocks += _blocks(content)
        details.append(detail(content))
    codes, firm = _hashes(np.stack(blocks))
    per_frame = 2 + len(CROP_VARIANTS)
    codes, firm = codes.reshape(-1, per_frame), firm.reshape(-1, per_frame)
    return np.delete(codes, 1, axis=1), codes[:, 1], firm[:, 0], np.array(details)


def _blocks(content: np.ndarray) -> list[np.ndarray]:
    """The picture, mirrored, and each part of CROP_VARIANTS as 32x32 blocks: one resize per share of the
    picture, then every part is a slice."""
    picture = cv2.resize(content, (32, 32), interpolation=cv2.INTER_AREA)
    blocks = [picture, picture[:, ::-1]]
    scaled = {32: picture}
    for size, top, left in _PART_WINDOWS:
        if size not in scaled:
            scaled[size] = cv2.resize(content, (size, size), interpolation=cv2.INTER_AREA)
        blocks.append(scaled[size][top : top + 32, left : left + 32])
    return blocks


def inset_codes(thumbs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of each of `thumbs` inside each box that may be a picture-in-picture inset:
    (frames, MAX_BOXES) uint64, and which of those columns hold a box."""
    boxes = find_insets(thumbs)
    codes = np.zeros((len(thumbs), MAX_BOXES), np.uint64)
    for column, (top, bottom, left, right) in enumerate(boxes):
        insets = thumbs[:, top:bottom, left:right].astype(np.float32)
        # Bars inside the inset (its video's own letterbox) are trimmed as for a whole picture; they
        # stay put, so the run's average picture shows them.
        r0, r1, c0, c1 = _content_box(insets.mean(axis=0))
        blocks = [cv2.resize(inset[r0:r1, c0:c1], (32, 32), interpolation=cv2.INTER_AREA) for inset in insets]
        codes[:, column] = _hashes(np.stack(blocks))[0]
    found = np.zeros((len(thumbs), MAX_BOXES), bool)
    found[:, : len(boxes)] = True
    return codes, found
