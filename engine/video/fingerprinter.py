"""Video fingerprints: the hashes of each sampled frame's picture and its parts (engine/video/frames.py),
with the frame's time, built from the picture stream of one decode (engine/decode.py) and searched by
engine/video/index.py, which aligns matching frames in time.

Frames are sampled about SAMPLE_FPS times a second from the decoded luma plane (no colour conversion);
picture-in-picture insets are looked for over runs of INSET_RUN sampled frames (engine/video/inset.py).
"""

from __future__ import annotations

import numpy as np

from engine.base import Consumer, Fingerprint, Fingerprinter, MediaInput, Need, Source, Track, pack_arrays
from engine.decode import extract_stream
from engine.video.examples import examples
from engine.video.frames import CROP_VARIANTS, INSET_RUN, SAMPLE_FPS, frame_codes, inset_codes, thumbnail
from engine.video.index import VideoIndex
from engine.video.inset import MAX_BOXES


class VideoConsumer(Consumer):
    """Hashes each sampled frame as it is decoded; only the 192x108 thumbnails of the current run of
    INSET_RUN frames are held (for the inset search), so memory stays bounded."""

    def __init__(self, fingerprinter: VideoFingerprinter) -> None:
        self.fingerprinter = fingerprinter
        self.times: list[float] = []
        self.codes: list[np.ndarray] = []
        self.mirrored: list[np.uint64] = []
        self.firm: list[int] = []
        self.detail: list[int] = []
        self.insets: list[np.ndarray] = []  # per run of INSET_RUN frames: hashes of its inset boxes
        self.boxed: list[np.ndarray] = []
        self.run: list[np.ndarray] = []
        self.size = (0, 0)

    def feed(self, seconds: float, chunk: np.ndarray) -> None:
        thumb = thumbnail(chunk)
        code, code_m, firm, textured = frame_codes(thumb)
        self.times.append(seconds)
        self.codes.append(code)
        self.mirrored.append(code_m)
        self.firm.append(firm)
        self.detail.append(textured)
        self.run.append(thumb)
        if len(self.run) == INSET_RUN:
            self._close_run()
        self.size = chunk.shape

    def _close_run(self) -> None:
        if self.run:
            hashes, boxed = inset_codes(np.stack(self.run))
            self.insets.append(hashes)
            self.boxed.append(boxed)
            self.run.clear()

    def finish(self) -> Fingerprint:
        self._close_run()
        frames = len(self.times)
        data = pack_arrays(
            times=np.array(self.times, np.float32),
            codes=np.array(self.codes, np.uint64).reshape(frames, 1 + len(CROP_VARIANTS)),
            codes_mirrored=np.array(self.mirrored, np.uint64),
            codes_inset=np.concatenate(self.insets) if self.insets else np.zeros((0, MAX_BOXES), np.uint64),
            has_inset=np.concatenate(self.boxed) if self.boxed else np.zeros((0, MAX_BOXES), bool),
            information=np.array(self.firm, np.uint8),
            detail=np.array(self.detail, np.uint8),
        )
        height, width = self.size
        meta = {"width": int(width), "height": int(height)}
        if frames:
            meta["duration"] = round(float(self.times[-1]) + 1.0 / SAMPLE_FPS, 3)
        return Fingerprint(self.fingerprinter.name, self.fingerprinter.version, data, meta)


class VideoFingerprinter(Fingerprinter):
    name = "video-dct64"
    version = 4
    kinds = {"video": Need.REQUIRED}
    source = Source.PICTURES
    sample_rate = SAMPLE_FPS
    index_class = VideoIndex
    track = Track("video", "seconds", "Picture")
    examples = staticmethod(examples)

    def extract(self, media: MediaInput, progress=None) -> Fingerprint:
        return extract_stream(self, media, progress)

    def consumer(self, *, query: bool) -> Consumer:
        return VideoConsumer(self)
