"""Image fingerprints: a global DCT hash for whole-picture copies plus ORB keypoints for crops.

Measured on the corpus photos (docs/evaluation.md): the 256-bit DCT hash keeps resize, JPEG, greyscale
and brightness changes within a few bits but moves ~80 bits under a 5% crop, so crops, borders,
rotations and overlays are matched through local features verified by a RANSAC similarity transform.
Mirrored copies are found by also describing the mirrored query.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.base import Fingerprint, Fingerprinter, MediaInput, Need, Source, pack_arrays
from engine.image.examples import examples
from engine.image.index import ImageIndex
from engine.image.reading import read_image

HASH_BITS = 256
# Working size for keypoints: about this many pixels, whatever the aspect ratio.
KEYPOINT_AREA = 512 * 512
MAX_UPSCALE = 4.0
MAX_KEYPOINTS = 600


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def dct_hash(grey: np.ndarray) -> np.ndarray:
    """256-bit hash: signs of the 16x16 lowest non-DC DCT coefficients of a 64x64 luma thumbnail
    against their median. Returns 32 packed bytes."""
    small = cv2.resize(grey.astype(np.float32), (64, 64), interpolation=cv2.INTER_AREA)
    coefficients = cv2.dct(small)[1:17, 1:17].ravel()
    return np.packbits(coefficients > np.median(coefficients))


def keypoints(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ORB keypoints on a copy scaled to ~512x512 pixels of area (small images are enlarged, so a
    thumbnail and its original are described at one scale), spread over a 4x4 grid so that one busy
    region (a caption, a logo) cannot take them all. Positions are normalised by the longer side."""
    height, width = grey.shape
    scale = min(MAX_UPSCALE, (KEYPOINT_AREA / (height * width)) ** 0.5)
    if abs(scale - 1.0) > 0.01:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=interpolation)
    orb = cv2.ORB_create(nfeatures=MAX_KEYPOINTS * 4, fastThreshold=7)
    found = _spread(orb.detect(grey, None), grey.shape, MAX_KEYPOINTS)
    found, descriptors = orb.compute(grey, found) if found else ((), None)
    if descriptors is None or not found:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    points = np.array([k.pt for k in found], np.float32) / max(grey.shape)
    return points, descriptors


def _spread(found, shape: tuple[int, int], limit: int, grid: int = 4) -> list:
    """The strongest keypoints of each grid cell first, then the strongest of the rest."""
    height, width = shape
    cells: dict[tuple[int, int], list] = {}
    for point in found:
        cell = (
            min(grid - 1, int(point.pt[1] * grid / height)),
            min(grid - 1, int(point.pt[0] * grid / width)),
        )
        cells.setdefault(cell, []).append(point)
    share = max(1, limit // (grid * grid))
    chosen, rest = [], []
    for points in cells.values():
        points.sort(key=lambda p: -p.response)
        chosen += points[:share]
        rest += points[share:]
    rest.sort(key=lambda p: -p.response)
    return chosen + rest[: max(0, limit - len(chosen))]


class ImageFingerprinter(Fingerprinter):
    name = "image-dct256-orb"
    version = 2
    kinds = {"image": Need.REQUIRED}
    source = Source.FILE
    index_class = ImageIndex
    track = None  # a whole picture matches; no segments
    examples = staticmethod(examples)

    def extract(self, media: MediaInput, progress=None) -> Fingerprint:
        assert media.path is not None, "image fingerprints are made from files"
        image = read_image(media.path)
        return self.from_array(image)

    def from_array(self, image: np.ndarray) -> Fingerprint:
        grey = _grey(image)
        mirrored = cv2.flip(grey, 1)
        points, descriptors = keypoints(grey)
        points_m, descriptors_m = keypoints(mirrored)
        data = pack_arrays(
            hash=dct_hash(grey),
            hash_mirrored=dct_hash(mirrored),
            points=points.astype(np.float16),
            descriptors=descriptors,
            points_mirrored=points_m.astype(np.float16),
            descriptors_mirrored=descriptors_m,
        )
        meta = {"width": int(image.shape[1]), "height": int(image.shape[0])}
        return Fingerprint(self.name, self.version, data, meta)
