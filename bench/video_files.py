"""Writing H.264 files from RGB frames (PyAV), for benchmarks and test clips."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def write_h264(path: Path, frames, fps: float, bitrate: int, preset: str = "veryfast") -> Path:
    """Encode `frames` (H x W x 3 uint8 RGB) at a constant `fps`; pts count frames."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=int(round(fps)))
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        stream.bit_rate = bitrate
        stream.options = {"preset": preset}
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
