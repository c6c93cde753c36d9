"""Test media, from the small real files in tests/fixtures (see tests/fixtures/SOURCES.md): each file
written from them is named after the transformation applied to it (`balloons-crop20.jpg`), as in the
field's own fixture sets."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
PHOTOS = FIXTURES / "mdn-shared-assets"
GUTENBERG = FIXTURES / "gutenberg"
# The middle 4,000 characters of each Gutenberg book in the corpus that is not in BOOKS and does not
# quote Beethoven's letters: texts that must not match the library books.
UNRELATED_BOOKS = GUTENBERG / "unrelated"
# Chinese and Japanese texts (tests/fixtures/SOURCES.md): Tang poems for a library, Song lyrics that
# must not match them, the opening of a Japanese novel.
CJK = FIXTURES / "cjk"

# Distinct photos (flowers.jpg and learn/gallery/pic3.jpg are the same picture, so only one is used).
LIBRARY_PHOTOS = ["balloons.jpg", "hummingbird.jpg", "elephant.jpg"]
UNRELATED_PHOTOS = ["rhino.jpg", "surfer.jpg", "moon.jpg", "plumeria.jpg", "ice-cream.jpg"]
# Whole books, as Project Gutenberg publishes them.
BOOKS = {
    "dickens-music": "16595-Charles-Dickens-and-Music.txt",
    "passamaquoddy": "17997-Contribution-to-Passamaquoddy-Folk-Lore.txt",
    "beethoven-letters": "13272-Beethoven-s-Letters-1790-1826-Volume-2.txt",
}


def photo(name: str) -> np.ndarray:
    image = cv2.imread(str(PHOTOS / name))
    assert image is not None, name
    return image


def book_text(key: str) -> str:
    return (GUTENBERG / BOOKS[key]).read_text(encoding="utf-8", errors="replace")


def excerpt(key: str, start_fraction: float = 0.5, length: int = 2500) -> tuple[str, int]:
    """A passage from the middle of a book (away from the shared Project Gutenberg licence)."""
    text = book_text(key)
    start = int(len(text) * start_fraction)
    start = text.index(" ", start) + 1
    return text[start : start + length], start


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


TRANSFORMS = {
    "jpeg25": lambda im: _jpeg(im, 25),
    "half": lambda im: cv2.resize(im, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
    "crop15": lambda im: im[
        int(im.shape[0] * 0.15) : int(im.shape[0] * 0.85), int(im.shape[1] * 0.15) : int(im.shape[1] * 0.85)
    ],
    "mirror": lambda im: cv2.flip(im, 1),
    "grey": lambda im: cv2.cvtColor(cv2.cvtColor(im, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR),
    "border": lambda im: cv2.copyMakeBorder(
        im, im.shape[0] // 10, im.shape[0] // 10, im.shape[1] // 10, im.shape[1] // 10, cv2.BORDER_CONSTANT
    ),
    "caption": lambda im: cv2.putText(
        im.copy(),
        "COPYRIGHT",
        (im.shape[1] // 10, im.shape[0] // 2),
        cv2.FONT_HERSHEY_SIMPLEX,
        im.shape[1] / 400,
        (255, 255, 255),
        max(1, im.shape[1] // 150),
    ),
}


def write_image(folder: Path, name: str, transform: str | None = None) -> Path:
    """Write photo `name` (optionally transformed) to folder as `<stem>-<transform>.jpg`."""
    image = photo(name)
    if transform:
        image = TRANSFORMS[transform](image)
    stem = Path(name).stem + (f"-{transform}" if transform else "")
    path = folder / f"{stem}.jpg"
    cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return path


def typos(text: str, rate: float, seed: int = 7) -> str:
    """Swap two adjacent letters in about `rate` of the words."""
    rng = np.random.default_rng(seed)
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > 3 and rng.random() < rate:
            j = int(rng.integers(0, len(word) - 2))
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def cjk_text(name: str) -> str:
    return (CJK / name).read_text(encoding="utf-8")
