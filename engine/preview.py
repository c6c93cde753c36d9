"""Pictures of media for people: a video frame at a time (thumbnails for reviewers whose browser cannot
play the file) and an audio waveform's peaks (drawn under the timeline bars)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from engine.base import MediaError
from engine.decode import ffmpeg_reason, sound_samples
from engine.files import file_size

THUMB_WIDTH = 160
WAVEFORM_RATE = 2000  # samples per second: plenty for a peak envelope, cheap to decode into


def frame_jpeg(path: Path, seconds: float, width: int = THUMB_WIDTH) -> bytes:
    """The video frame shown at `seconds` (the nearest decodable one), as a JPEG `width` pixels wide."""
    import av

    file_size(path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError("The file has no video stream.", "InvalidFile.NoVideoStream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            seconds = max(0.0, float(seconds))
            if stream.time_base:
                # Seek to the keyframe before the time, then decode forward to the frame itself.
                container.seek(int(seconds / stream.time_base), stream=stream, backward=True)
            image = None
            for frame in container.decode(stream):
                image = frame
                if frame.time is not None and frame.time >= seconds:
                    break
    except av.error.FFmpegError as exc:
        raise MediaError(f"The video could not be decoded: {ffmpeg_reason(exc)}") from exc
    if image is None:
        raise MediaError("The video holds no frame at that time.", "InvalidFile.Empty")
    height = max(2, round(image.height * width / max(1, image.width)))
    rgb = image.to_ndarray(format="rgb24", width=width, height=height)
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise MediaError("The frame could not be encoded.", "InvalidFile.Corrupt")
    return encoded.tobytes()


def waveform_peaks(path: Path, points: int = 1000) -> dict:
    """The audio's duration and its absolute peak in each of `points` equal slices, scaled to 0..1."""
    samples = np.abs(sound_samples(path, WAVEFORM_RATE))
    duration = len(samples) / WAVEFORM_RATE
    if len(samples) == 0:
        return {"duration": 0.0, "peaks": []}
    points = max(1, min(points, len(samples)))
    edges = np.linspace(0, len(samples), points + 1).astype(np.int64)
    peaks = np.maximum.reduceat(samples, edges[:-1])
    top = float(peaks.max()) or 1.0
    return {"duration": round(duration, 3), "peaks": [round(float(p) / top, 3) for p in peaks]}
