"""An image library of hundreds of pictures answers every query through the REST API (main before
issue #15 failed every image query past about 450 pictures: OpenCV's matcher limit). Generated
pictures keep it fast; the 2,000 real pictures run is bench/api_images.py."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import cv2
import numpy as np
import pytest

from engine.base import MediaInput
from engine.extract import fingerprint_input
from libraries import services
from libraries.models import Library

PICTURES = 600


def picture(seed: int) -> np.ndarray:
    """A 320x240 picture of random shapes over a random gradient, different for every seed."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 1, 320)[None, :, None] * rng.integers(0, 255, 3) + rng.integers(0, 80, 3)
    image = np.clip(np.repeat(ramp, 240, axis=0), 0, 255).astype(np.uint8)
    for _ in range(25):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        x, y = int(rng.integers(0, 320)), int(rng.integers(0, 240))
        if rng.random() < 0.5:
            cv2.circle(image, (x, y), int(rng.integers(5, 40)), colour, -1)
        else:
            cv2.rectangle(
                image, (x, y), (x + int(rng.integers(5, 60)), y + int(rng.integers(5, 60))), colour, -1
            )
    noise = rng.normal(0, 6, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def _write(folder, name, image):
    path = folder / f"{name}.jpg"
    cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return path


@pytest.fixture
def big_library(db, tmp_path, run_commit_hooks):
    library = Library.objects.create(name="many-pictures", media_type="image")
    paths = [_write(tmp_path, f"p{n}", picture(n)) for n in range(PICTURES)]
    # Fingerprinting is most of the set-up: two processes share it (the engine needs no Django, so
    # fresh interpreters can run it); saving stays here, one item at a time, as jobs save.
    fingerprint = partial(fingerprint_input, "image", query=False)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        extractions = list(pool.map(fingerprint, [MediaInput(path=path) for path in paths], chunksize=20))
    for n, (path, made) in enumerate(zip(paths, extractions, strict=True)):
        run_commit_hooks(
            services.save_media,
            library=library,
            primary_key=f"p{n}",
            media_type="image",
            fingerprints=made.fingerprints,
            meta=made.meta,
            path=path,
        )
    return library


def test_every_query_of_a_library_of_hundreds_of_pictures_is_answered(
    big_library, submit, job_result, tmp_path
):
    queries = {}
    for n in (3, 250, 599):
        original = picture(n)
        height, width = original.shape[:2]
        crop = original[height // 10 : height - height // 10, width // 10 : width - width // 10]
        queries[f"p{n}"] = _write(tmp_path, f"crop{n}", cv2.resize(crop, (400, 300)))
    queries[None] = _write(tmp_path, "unrelated", picture(10_000))
    for expected, path in queries.items():
        job = job_result(submit(str(big_library.id), f"q-{path.stem}", save_type="nosave", file=path))
        assert job["status"] == "success", job
        keys = [match["primary_key"] for match in job["result"]["matches"]]
        assert keys == ([expected] if expected else []), (path.stem, keys)
