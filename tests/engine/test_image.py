"""The image fingerprinter on real photos: copies under each edit match, unrelated photos do not."""

import itertools

import cv2
import numpy as np
import pytest

from engine.base import MediaError, MediaInput
from engine.image.fingerprinter import ImageFingerprinter
from tests import media

fingerprinter = ImageFingerprinter()


@pytest.fixture(scope="module")
def index():
    idx = fingerprinter.new_index()
    for name in media.LIBRARY_PHOTOS:
        idx.add(name, fingerprinter.from_array(media.photo(name)))
    return idx


@pytest.mark.parametrize("transform", sorted(media.TRANSFORMS))
@pytest.mark.parametrize("name", media.LIBRARY_PHOTOS)
def test_it_finds_the_original_of_a_transformed_copy(index, name, transform):
    query = media.TRANSFORMS[transform](media.photo(name))
    matches = index.search(fingerprinter.from_array(query))
    assert matches, f"{name} after {transform} matched nothing"
    assert matches[0].key == name
    # Similarity is about the share of the picture copied (a 15% crop keeps half of it).
    assert matches[0].similarity >= 0.15
    assert [m.key for m in matches] == [name], "a copy must not also match unrelated photos"


@pytest.mark.parametrize("name", media.UNRELATED_PHOTOS)
def test_it_matches_no_unrelated_photo(index, name):
    assert index.search(fingerprinter.from_array(media.photo(name))) == []


def test_it_gives_an_untouched_copy_full_similarity(index):
    matches = index.search(fingerprinter.from_array(media.photo("balloons.jpg")))
    assert matches[0].similarity == 1.0
    assert matches[0].distance == 0


def test_its_hash_separates_unrelated_photos_widely():
    from engine.image.fingerprinter import dct_hash
    from engine.image.index import hamming

    names = media.LIBRARY_PHOTOS + media.UNRELATED_PHOTOS
    hashes = {n: dct_hash(cv2.cvtColor(media.photo(n), cv2.COLOR_BGR2GRAY)) for n in names}
    for a, b in itertools.combinations(names, 2):
        distance = int(hamming(hashes[a][None, :], hashes[b])[0])
        assert distance > 2 * 64 * 0.7, (a, b, distance)


def test_it_forgets_removed_items(index):
    idx = fingerprinter.new_index()
    idx.add("a", fingerprinter.from_array(media.photo("balloons.jpg")))
    idx.remove("a")
    assert len(idx) == 0
    assert idx.search(fingerprinter.from_array(media.photo("balloons.jpg"))) == []


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", "InvalidFile.Empty"),
        (b"not an image at all, just words", "InvalidFile.Corrupt"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "InvalidFile.Corrupt"),
    ],
    ids=["empty", "text", "truncated-jpeg"],
)
def test_it_refuses_unusable_files_with_a_code(tmp_path, content, code):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(MediaError) as raised:
        fingerprinter.extract(MediaInput(path=path))
    assert raised.value.code == code
    assert raised.value.permanent


def test_it_refuses_a_decompression_bomb_before_decoding(tmp_path):
    # A valid PNG header claiming 20000x20000 pixels.
    small = cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
    bomb = small[:16] + (20000).to_bytes(4, "big") + (20000).to_bytes(4, "big") + small[24:]
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb)
    with pytest.raises(MediaError) as raised:
        fingerprinter.extract(MediaInput(path=path))
    assert raised.value.code == "InvalidFile.TooLarge"
