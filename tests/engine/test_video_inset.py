"""Picture-in-picture detection on real footage: the inset's border is among the boxes found.

Footage with rectangles of its own (a window, a screen) gives boxes too; each box is searched and only
a real copy verifies, so detection is judged on how often the true inset is among them. The benchmark
(docs/evaluation.md) measures what matters in the end: picture-in-picture copies found.
"""

import itertools

import cv2
import numpy as np

from engine.video.frames import thumbnail
from engine.video.inset import MAX_BOXES, _overlap, find_insets
from tests import clips


def _thumbs(frames) -> np.ndarray:
    # 5 frames a second, as the fingerprinter samples them (sources run at 24-30 fps).
    return np.stack([thumbnail(np.ascontiguousarray(frame[:, :, 1])) for frame in frames[::5][:60]])


def _composite(source: str, backdrop: str, share: float, top: float, left: float) -> list[np.ndarray]:
    _, inner = clips.decode(source)
    _, outer = clips.decode(backdrop)
    height, width = int(clips.HEIGHT * share), int(clips.WIDTH * share)
    y, x = int(clips.HEIGHT * top), int(clips.WIDTH * left)
    out = []
    for k in range(min(len(inner), len(outer))):
        frame = outer[k].copy()
        small = cv2.resize(inner[k], (width, height), interpolation=cv2.INTER_AREA)
        frame[y : y + height, x : x + width] = small
        out.append(frame)
    return out


PAIRS = [("dog", "coffee"), ("juggle", "cups"), ("blocks", "coffee")]
PLACES = [(0.45, 0.1, 0.5), (0.45, 0.5, 0.05), (0.45, 0.3, 0.3), (0.35, 0.6, 0.05), (0.6, 0.2, 0.2)]


def test_the_inset_is_among_the_boxes_found_in_most_compositions():
    found = []
    for (source, backdrop), (share, top, left) in itertools.product(PAIRS, PLACES):
        boxes = find_insets(_thumbs(_composite(source, backdrop, share, top, left)))
        assert len(boxes) <= MAX_BOXES
        # In the 192x108 thumbnail's pixels.
        expected = (top * 108, (top + share) * 108, left * 192, (left + share) * 192)
        found.append(any(_overlap(box, expected) >= 0.85 for box in boxes))
    # 12 of these 15 when written; the backdrops' own rectangles (a cupboard, a window) win the
    # others. Fewer than 10 means detection got worse.
    assert sum(found) >= 10, found


def test_a_found_inset_is_located_to_a_pixel():
    [box, *_] = find_insets(_thumbs(_composite("blocks", "coffee", 0.45, 0.3, 0.3)))
    assert np.allclose(box, (32.4, 81.0, 57.6, 144.0), atol=1.5), box


def test_flat_footage_and_too_few_frames_give_no_boxes():
    black = np.zeros((40, 108, 192), np.uint8)
    assert find_insets(black) == []
    frames = _composite("dog", "coffee", 0.45, 0.3, 0.3)
    assert find_insets(_thumbs(frames)[:5]) == []
