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
from engine.video.frames import CROP_VARIANTS, INSET_RUN, SAMPLE_FPS, inset_codes, run_codes, thumbnail
from engine.video.index import VideoIndex
from engine.video.inset import MAX_BOXES


class VideoConsumer(Consumer):
    """Keeps each sampled frame as a 192x108 thumbnail and hashes them a run of INSET_RUN frames at a
    time (with the run's inset search): only one run is held, so memory stays bounded, and hashing a
    run at once, away from the decoder, runs in warm caches (12% of a 720p job's time, measured in
    bench/speed_video.py)."""

    def __init__(self, fingerprinter: VideoFingerprinter) -> None:
        self.fingerprinter = fingerprinter
        self.times: list[float] = []
        # Per run of frames:
        self.codes: list[np.ndarray] = []
        self.mirrored: list[np.ndarray] = []
        self.firm: list[np.ndarray] = []
        self.detail: list[np.ndarray] = []
        self.insets: list[np.ndarray] = []  # per run of INSET_RUN frames: hashes of its inset boxes
        self.boxed: list[np.ndarray] = []
        self.run: list[np.ndarray] = []
        self.size = (0, 0)

    def feed(self, seconds: float, chunk: np.ndarray) -> None:
        self.times.append(seconds)
        self.run.append(thumbnail(chunk))
        if len(self.run) == INSET_RUN:
            self._close_run()
        self.size = chunk.shape

    def _close_run(self) -> None:
        if not self.run:
            return
        thumbs = np.stack(self.run)
        codes, mirrored, firm, detail = run_codes(thumbs)
        self.codes.append(codes)
        self.mirrored.append(mirrored)
        self.firm.append(firm)
        self.detail.append(detail)
        hashes, boxed = inset_codes(thumbs)
        self.insets.append(hashes)
        self.boxed.append(boxed)
        self.run.clear()

    def finish(self) -> Fingerprint:
        self._close_run()
        frames = len(self.times)

        def joined(parts: list[np.ndarray], dtype, width: int | None = None) -> np.ndarray:
            empty = np.zeros((0,) if width is None else (0, width), dtype)
            return np.concatenate(parts).astype(dtype) if parts else empty

        data = pack_arrays(
            times=np.array(self.times, np.float32),
            codes=joined(self.codes, np.uint64, 1 + len(CROP_VARIANTS)),
            codes_mirrored=joined(self.mirrored, np.uint64),
            codes_inset=joined(self.insets, np.uint64, MAX_BOXES),
            has_inset=joined(self.boxed, bool, MAX_BOXES),
            information=joined(self.firm, np.uint8),
            detail=joined(self.detail, np.uint8),
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

    def extract(self, media: MediaInput, progress=None, *, query: bool = True) -> Fingerprint:
        return extract_stream(self, media, progress)

    def consumer(self, *, query: bool, media: MediaInput | None = None) -> Consumer:
        return VideoConsumer(self)
