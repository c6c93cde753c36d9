"""Image fingerprints: a global DCT hash for whole-picture copies plus SIFT keypoints for crops.

Measured on the corpus photos (docs/evaluation.md): the 256-bit DCT hash keeps resize, JPEG, greyscale
and brightness changes within a few bits but moves ~80 bits under a 5% crop, so crops, borders,
rotations and overlays are matched through local features verified by a RANSAC similarity transform.
Mirrored copies are found by also describing the mirrored query.

SIFT rather than ORB (since 2026-12-04; image-dct256-orb before): among 2,000 pictures, ORB's local
matches found 125 / 127 / 124 of 134 copies of seeds 99 / 4711 / 5309, SIFT's 130 / 131 / 129 (the
index's words hold SIFT's pairs twice as often: engine/image/words.py). SIFT costs ~4x ORB's CPU
a picture and 128 bytes a descriptor (32 for ORB).
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.base import Fingerprint, Fingerprinter, MediaInput, Need, Source, pack_arrays, unpack_arrays
from engine.image.examples import examples
from engine.image.index import ImageIndex
from engine.image.reading import read_image
from engine.image.words import DESCRIPTOR_SIZE

HASH_BITS = 256
# Working size for keypoints: about this many pixels, whatever the aspect ratio.
KEYPOINT_AREA = 512 * 512
MAX_UPSCALE = 4.0
MAX_KEYPOINTS = 600
# What a library keeps: a query also carries its mirrored hash and keypoints.
STORED = ("hash", "points", "descriptors")


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def dct_hash(grey: np.ndarray) -> np.ndarray:
    """256-bit hash: signs of the 16x16 lowest non-DC DCT coefficients of a 64x64 luma thumbnail
    against their median. Returns 32 packed bytes."""
    small = cv2.resize(grey.astype(np.float32), (64, 64), interpolation=cv2.INTER_AREA)
    coefficients = cv2.dct(small)[1:17, 1:17].ravel()
    return np.packbits(coefficients > np.median(coefficients))


def keypoints(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SIFT keypoints on a copy scaled to ~512x512 pixels of area (small images are enlarged, so a
    thumbnail and its original are described at one scale), spread over a 4x4 grid so that one busy
    region (a caption, a logo) cannot take them all. Positions are normalised by the longer side;
    descriptors are SIFT's, rounded to bytes (OpenCV's values lie in 0-255)."""
    height, width = grey.shape
    scale = min(MAX_UPSCALE, (KEYPOINT_AREA / (height * width)) ** 0.5)
    if abs(scale - 1.0) > 0.01:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=interpolation)
    # A low contrast threshold and 4x the keypoints kept, so that _spread has weak regions' keypoints
    # to choose from too.
    sift = cv2.SIFT_create(nfeatures=MAX_KEYPOINTS * 4, contrastThreshold=0.02)
    found = _spread(sift.detect(grey, None), grey.shape, MAX_KEYPOINTS)
    found, descriptors = sift.compute(grey, found) if found else ((), None)
    if descriptors is None or not found:
        return np.zeros((0, 2), np.float32), np.zeros((0, DESCRIPTOR_SIZE), np.uint8)
    points = np.array([k.pt for k in found], np.float32) / max(grey.shape)
    return points, np.clip(np.rint(descriptors), 0, 255).astype(np.uint8)


def _spread(found, shape: tuple[int, int], limit: int, grid: int = 4) -> list:
    """The strongest keypoints of each grid cell first, then the strongest of the rest; returned
    round-robin over the cells (each cell's first, then each cell's second...), so that any first
    part of the list is spread over the picture too (the index files a first part)."""
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
    kept = {id(point) for point in chosen + rest[: max(0, limit - len(chosen))]}
    ordered = [sorted(cells[cell], key=lambda p: -p.response) for cell in sorted(cells)]
    return _round_robin([[p for p in points if id(p) in kept] for points in ordered])


def _round_robin(groups: list[list]) -> list:
    order = []
    for rank in range(max((len(group) for group in groups), default=0)):
        order += [group[rank] for group in groups if rank < len(group)]
    return order


class ImageFingerprinter(Fingerprinter):
    # SIFT keypoints listed round-robin over the grid cells (the index files a first part of them);
    # libraries store no mirrored parts (a query describes itself mirrored, which is enough). Until
    # 2026-12-04 "image-dct256-orb" (version 3): `manage.py refingerprint` makes a library's again.
    name = "image-dct256-sift"
    version = 1
    kinds = {"image": Need.REQUIRED}
    source = Source.FILE
    index_class = ImageIndex
    track = None  # a whole picture matches; no segments
    examples = staticmethod(examples)

    def extract(self, media: MediaInput, progress=None, *, query: bool = True) -> Fingerprint:
        assert media.path is not None, "image fingerprints are made from files"
        image = read_image(media.path)
        return self.from_array(image, query=query)

    def from_array(self, image: np.ndarray, *, query: bool = True) -> Fingerprint:
        """The picture's fingerprint; a query's also describes the picture mirrored (half of the
        work: a fingerprint only to be stored leaves it out, as for_storage would)."""
        grey = _grey(image)
        points, descriptors = keypoints(grey)
        arrays = {"hash": dct_hash(grey), "points": points.astype(np.float16), "descriptors": descriptors}
        if query:
            mirrored = cv2.flip(grey, 1)
            points_m, descriptors_m = keypoints(mirrored)
            arrays |= {
                "hash_mirrored": dct_hash(mirrored),
                "points_mirrored": points_m.astype(np.float16),
                "descriptors_mirrored": descriptors_m,
            }
        data = pack_arrays(**arrays)
        meta = {"width": int(image.shape[1]), "height": int(image.shape[0])}
        return Fingerprint(self.name, self.version, data, meta)

    def for_storage(self, fingerprint: Fingerprint) -> Fingerprint:
        arrays = unpack_arrays(fingerprint)
        kept = {name: arrays[name] for name in STORED}
        return Fingerprint(
            fingerprint.fingerprinter, fingerprint.version, pack_arrays(**kept), fingerprint.meta
        )
