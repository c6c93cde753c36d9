"""Video fingerprints: a 64-bit DCT hash of each sampled frame's picture area, with its time.

Frames are sampled about 5 times a second from the decoded luma plane (no colour conversion), black
or flat bars around the picture are trimmed per frame (letterbox, pillarbox), and frames whose hash
would be decided by noise (black, fades, colour bars) get no hash at all, so they never carry a match.
Library frames are also hashed on parts of the picture (crops); queries on their centre (overlays at
the edges) and mirrored (flips). Matching frames are aligned in time by voting (engine/align.py).
"""

from __future__ import annotations

import cv2
import numpy as np

from dnaportal.engine.base import Fingerprint, Fingerprinter, MediaError, MediaInput, pack_arrays
from dnaportal.engine.media import iter_video_luma

SAMPLE_FPS = 5.0
# A hash bit is firm when its DCT coefficient is clear of the median; bits that are not firm flip with
# compression noise. Black frames, dark fades and colour bars (no vertical detail at all) have few
# firm bits; they get no hash. Real pictures have 55-64, static title cards 30-55.
FIRM_MARGIN = 1.0
MIN_FIRM_BITS = 40
# Distinctness (see VideoIndex) is judged on frames at least this firm.
CONFIDENT_FIRM_BITS = 48
_BAR_STD = 4.0  # a border row/column this flat is a bar, not picture
_BAR_MAX = 0.35  # never trim more than this share from one side


def _content_box(thumb: np.ndarray) -> tuple[int, int, int, int]:
    """Rows/columns of `thumb` left after trimming flat borders from each side."""
    rows, cols = thumb.shape
    row_flat = thumb.std(axis=1) < _BAR_STD
    col_flat = thumb.std(axis=0) < _BAR_STD

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


def _hash64(thumb32: np.ndarray) -> tuple[np.uint64, int]:
    """The hash and how many of its bits are firm."""
    coefficients = cv2.dct(thumb32)[1:9, 1:9].ravel()
    median = np.median(coefficients)
    bits = np.packbits(coefficients > median)
    firm = int(np.count_nonzero(np.abs(coefficients - median) > FIRM_MARGIN))
    return bits.view(">u8")[0].astype(np.uint64), firm


# Library frames are also hashed on parts of the picture, so a cropped copy (whose whole picture is a
# part of the original's) finds them: (share of width and height kept, where: 0 top/left .. 1 bottom/right).
CROP_VARIANTS = (
    (0.9, 0.5, 0.5),
    (0.9, 0.0, 0.0),
    (0.9, 0.0, 1.0),
    (0.9, 1.0, 0.0),
    (0.9, 1.0, 1.0),
    (0.8, 0.5, 0.5),
    (0.7, 0.5, 0.5),
)
# Queries also search with their central 80% (variant 6): it leaves out most captions, logos and
# tickers at the edges, and finds the library's own central 80%.
QUERY_VARIANTS = (0, 6)


def frame_codes(luma: np.ndarray) -> tuple[np.ndarray, np.uint64, int]:
    """(hashes of the picture and its parts, hash of the mirrored picture, firm bits of the picture)."""
    if luma.shape[1] > 2 * 384:
        # Bilinear to 384x216 first (a 2x2 average per sample), then area: same thumbnail for our
        # purpose at a 20th of the cost of one area resize from full 720p/1080p.
        luma = cv2.resize(luma, (384, 216), interpolation=cv2.INTER_LINEAR)
    thumb = cv2.resize(luma, (192, 108), interpolation=cv2.INTER_AREA).astype(np.float32)
    r0, r1, c0, c1 = _content_box(thumb)
    content = thumb[r0:r1, c0:c1]
    picture = cv2.resize(content, (32, 32), interpolation=cv2.INTER_AREA)
    code, firm = _hash64(picture)
    codes = [code]
    rows, cols = content.shape
    for share, down, right in CROP_VARIANTS:
        height, width = max(8, int(rows * share)), max(8, int(cols * share))
        top, left = int((rows - height) * down), int((cols - width) * right)
        part = content[top : top + height, left : left + width]
        codes.append(_hash64(cv2.resize(part, (32, 32), interpolation=cv2.INTER_AREA))[0])
    mirrored, _ = _hash64(np.ascontiguousarray(picture[:, ::-1]))
    return np.array(codes, np.uint64), mirrored, firm


class VideoFingerprinter(Fingerprinter):
    name = "video-dct64"
    version = 3
    media_types = ("video",)

    def extract(self, media: MediaInput, progress=None) -> Fingerprint:
        assert media.path is not None, "video fingerprints are made from files"
        times, codes, mirrored, info = [], [], [], []
        width = height = 0
        for seconds, luma in iter_video_luma(media.path, SAMPLE_FPS):
            code, code_m, firm = frame_codes(luma)
            times.append(seconds)
            codes.append(code)
            mirrored.append(code_m)
            info.append(firm)
            height, width = luma.shape
            if progress is not None and len(times) % 500 == 0:
                progress(seconds)
        if not times:
            raise MediaError("The video has no frames.", "InvalidFile.Corrupt")
        data = pack_arrays(
            times=np.array(times, np.float32),
            codes=np.array(codes, np.uint64).reshape(len(times), 1 + len(CROP_VARIANTS)),
            codes_mirrored=np.array(mirrored, np.uint64),
            information=np.array(info, np.uint8),
        )
        meta = {
            "duration": round(float(times[-1]) + 1.0 / SAMPLE_FPS, 3),
            "width": int(width),
            "height": int(height),
        }
        return Fingerprint(self.name, self.version, data, meta)

    def new_index(self):
        from dnaportal.engine.video_index import VideoIndex

        return VideoIndex()
