"""The image fingerprinter's own examples: a real photo, a cropped, captioned and recompressed copy of
it, an unrelated photo, and bytes that are no image (see Example in engine/base.py)."""

from __future__ import annotations

from pathlib import Path

import cv2

from engine.base import Example, MediaInput

ORIGINAL = "mdn-shared-assets/balloons.jpg"
UNRELATED = "mdn-shared-assets/rhino.jpg"


def examples(fixtures: Path, work: Path) -> list[Example]:
    picture = cv2.imread(str(fixtures / ORIGINAL))
    height, width = picture.shape[:2]
    copy = picture[int(height * 0.1) : int(height * 0.9), int(width * 0.12) : int(width * 0.92)].copy()
    cv2.putText(copy, "COPY", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
    copied = work / "balloons-crop20-caption-jpeg40.jpg"
    cv2.imwrite(str(copied), copy, [cv2.IMWRITE_JPEG_QUALITY, 40])
    bad = work / "balloons-header-only.jpg"
    bad.write_bytes((fixtures / ORIGINAL).read_bytes()[:64])
    return [
        Example(
            original=MediaInput(path=fixtures / ORIGINAL),
            copy=MediaInput(path=copied),
            edit="crop 20% + caption + JPEG q40",
            unrelated=MediaInput(path=fixtures / UNRELATED),
            bad=MediaInput(path=bad),
            bad_code="InvalidFile.Corrupt",
        )
    ]
