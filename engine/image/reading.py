"""Image files to pixels, refusing decompression bombs before decoding them."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from engine.base import MediaError
from engine.files import read_bytes

# Above this many pixels an image is refused rather than decoded: checked here from PNG and JPEG
# headers (for a precise message) and by OpenCV itself in every format (engine/__init__.py).
MAX_IMAGE_PIXELS = int(os.environ.get("OPENCV_IO_MAX_IMAGE_PIXELS", "100000000"))
_SOF_MARKERS = (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE)


def size_from_header(data: bytes) -> tuple[int, int] | None:
    """Width and height for PNG/JPEG headers, to refuse huge images before decoding them."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in _SOF_MARKERS:
                height = int.from_bytes(data[i + 5 : i + 7], "big")
                width = int.from_bytes(data[i + 7 : i + 9], "big")
                return width, height
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


def read_image(path: Path) -> np.ndarray:
    """Decode an image file to an 8-bit BGR array."""
    data = read_bytes(path)
    size = size_from_header(data)
    if size and size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise MediaError(
            f"The image is {size[0]}x{size[1]} pixels; at most {MAX_IMAGE_PIXELS} pixels are accepted.",
            "InvalidFile.TooLarge",
        )
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    except cv2.error as exc:
        if "CV_IO_MAX_IMAGE_PIXELS" in str(exc):
            raise MediaError(
                f"The image is over {MAX_IMAGE_PIXELS} pixels (read from its header); it was not decoded.",
                "InvalidFile.TooLarge",
            ) from exc
        raise MediaError(f"The image could not be decoded: {exc.msg}") from exc
    if image is None:
        raise MediaError(
            "The file is not an image this portal can decode (JPEG, PNG, WebP, BMP, TIFF) or it is corrupt."
        )
    if image.shape[0] < 8 or image.shape[1] < 8:
        raise MediaError(
            f"The image is {image.shape[1]}x{image.shape[0]} pixels; at least 8x8 is needed.",
            "InvalidFile.Unsupported",
        )
    return image
