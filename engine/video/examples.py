"""The video fingerprinter's own examples: a real clip, five seconds of it mirrored, darkened and
re-encoded small, an unrelated clip, and a clip cut short before its index (see Example in
engine/base.py)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from engine.base import Example, MediaInput

ORIGINAL = "sam2-gallery/01_dog-480x270.mp4"
UNRELATED = "sam2-gallery/02_cups-480x270.mp4"
COPY_AT = 2.0


def _edited_copy(source: Path, target: Path) -> Path:
    """Seconds COPY_AT to COPY_AT + 5 of `source`, mirrored, 20% darker, at 320x180 and 300 kbit/s."""
    with av.open(str(source)) as container, av.open(str(target), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.bit_rate = 300_000
        stream.options = {"preset": "ultrafast"}
        index = 0
        for frame in container.decode(video=0):
            if frame.time is None or not COPY_AT <= frame.time < COPY_AT + 5:
                continue
            picture = frame.to_ndarray(format="rgb24", width=320, height=180)[:, ::-1] * 0.8
            edited = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(picture.astype(np.uint8)), format="rgb24"
            )
            edited.pts = index
            index += 1
            out.mux(stream.encode(edited))
        out.mux(stream.encode(None))
    return target


def examples(fixtures: Path, work: Path) -> list[Example]:
    original = fixtures / ORIGINAL
    cut_short = work / "dog-cut-short.mp4"
    cut_short.write_bytes(original.read_bytes()[:4096])
    return [
        Example(
            original=MediaInput(path=original),
            copy=MediaInput(path=_edited_copy(original, work / "dog-2s-flip-dark-320p.mp4")),
            edit="5 s excerpt, mirrored, 20% darker, 320x180 at 300 kbit/s",
            unrelated=MediaInput(path=fixtures / UNRELATED),
            bad=MediaInput(path=cut_short),
            bad_code="InvalidFile.Corrupt",
            copy_at=COPY_AT,
        )
    ]
