"""Decoding inputs into arrays and text, with a clear MediaError for anything unusable."""

from __future__ import annotations

import codecs
from pathlib import Path

import cv2
import numpy as np

from dnaportal.engine.base import MediaError

# Above this many pixels an image is refused rather than decoded (a decompression bomb guard).
MAX_IMAGE_PIXELS = 100_000_000
# Text larger than this is refused: a fingerprint of a 50 MB "text" is almost surely a wrong input.
MAX_TEXT_BYTES = 50 * 1024 * 1024


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    size = _read_check(path)
    if limit is not None and size > limit:
        raise MediaError(
            f"The input is {size} bytes; at most {limit} are accepted for this media type.",
            "InvalidFile.TooLarge",
        )
    return path.read_bytes()


def _image_size_from_header(data: bytes) -> tuple[int, int] | None:
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
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
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
    data = _read_bytes(path)
    size = _image_size_from_header(data)
    if size and size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise MediaError(
            f"The image is {size[0]}x{size[1]} pixels; at most {MAX_IMAGE_PIXELS} pixels are accepted.",
            "InvalidFile.TooLarge",
        )
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    except cv2.error as exc:
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


def decode_text(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, else refuse binary data."""
    if not data:
        raise MediaError("The text is empty.", "InvalidFile.Empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise MediaError("The UTF-16 text is corrupt.") from exc
    if b"\x00" in data[:65536]:
        raise MediaError("The file looks binary, not text (it holds NUL bytes).", "InvalidFile.Unsupported")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Legacy 8-bit text (Latin-1/Windows-1252) is common in archives; every byte maps.
        return data.decode("cp1252", errors="replace")


def read_text(path: Path) -> str:
    return decode_text(_read_bytes(path, MAX_TEXT_BYTES))


# -- video ---------------------------------------------------------------------------------------

MAX_VIDEO_PIXELS = 8192 * 4320  # 8K; larger frames are refused before decoding
MAX_VIDEO_SECONDS = 12 * 3600


def _luma(frame) -> np.ndarray:
    """The frame's luma (Y) plane as a 2-D uint8 view, without a colour conversion where possible."""
    if frame.format.name.startswith(
        ("yuv", "yuvj", "nv12", "nv21", "gray")
    ) and not frame.format.name.startswith(("yuyv", "uyvy")):
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        if frame.format.name.endswith(("16le", "16be", "10le", "10be", "12le", "12be")):
            return frame.to_ndarray(format="gray")
        return rows[:, : plane.width]
    return frame.to_ndarray(format="gray")


def iter_video_luma(path: Path, fps: float):
    """Yield (seconds, luma array) about `fps` times per second of the first video stream.

    Only reference frames are decoded (B-frames that nothing depends on are skipped), which decodes
    fewer frames than plain playback; timestamps come from the stream, so variable frame rates work.
    Raises MediaError for files that are not decodable video.
    """
    import av  # imported here: image and text work needs no video decoder loaded

    _read_check(path)
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise MediaError(f"The file is not a video this portal can read: {_reason(exc)}") from exc
    with container:
        if not container.streams.video:
            raise MediaError("The file has no video stream.", "InvalidFile.NoVideoStream")
        stream = container.streams.video[0]
        context = stream.codec_context
        if (context.width or 0) * (context.height or 0) > MAX_VIDEO_PIXELS:
            raise MediaError(
                f"The video is {context.width}x{context.height}; at most 8K frames are accepted.",
                "InvalidFile.TooLarge",
            )
        if container.duration and container.duration / 1e6 > MAX_VIDEO_SECONDS:
            raise MediaError("The video is longer than 12 hours.", "InvalidFile.TooLarge")
        stream.thread_type = "NONE"
        context.skip_frame = "NONREF"
        step = 1.0 / fps
        next_time = None
        decoded = 0
        try:
            for frame in container.decode(stream):
                decoded += 1
                seconds = frame.time
                if seconds is None:
                    continue
                if next_time is None:
                    next_time = seconds
                if seconds + 1e-6 < next_time:
                    continue
                next_time = max(next_time + step, seconds + step * 0.5)
                yield seconds, _luma(frame)
        except av.error.FFmpegError as exc:
            if decoded == 0:
                raise MediaError(f"The video could not be decoded: {_reason(exc)}") from exc
            # A truncated file: keep what decoded cleanly.
        if decoded == 0:
            raise MediaError("The video has no decodable frames.", "InvalidFile.Corrupt")


def _reason(exc: Exception) -> str:
    """FFmpeg's reason without the file name (a worker's temporary path means nothing to a client)."""
    return getattr(exc, "strerror", None) or type(exc).__name__


def _read_check(path: Path) -> int:
    """The file's size; MediaError when it is missing or empty."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise MediaError(f"Input file {path.name} does not exist.", "InvalidInput.NotFound") from exc
    if size == 0:
        raise MediaError("The input file is empty (0 bytes).", "InvalidFile.Empty")
    return size


# -- audio ---------------------------------------------------------------------------------------

MAX_AUDIO_SECONDS = 12 * 3600
# Decoded audio is handed on in blocks of about this many seconds, so memory stays bounded whatever
# the file's length.
AUDIO_BLOCK_SECONDS = 30.0


def iter_audio_blocks(path: Path, rate: int, *, required: bool = True):
    """Yield the first audio stream as mono float32 blocks at `rate` samples per second.

    Every container and codec FFmpeg knows is read, in-process, through PyAV's bundled FFmpeg (wav,
    flac, mp3, ogg/vorbis/opus, m4a/aac, and the sound of mp4/mkv/webm videos). Yields nothing for a
    file without audio when `required` is false (a silent video); raises MediaError for files that are
    not decodable audio.
    """
    import av

    _read_check(path)
    try:
        # FFmpeg probes up to 5 MB by default, which for a PCM file costs 13 ms of a 10 s query's
        # budget; 32 kB finds the streams of common files, and a file whose sound is not found in them
        # (or whose sample rate is not known yet) is probed again fully.
        container = av.open(str(path), options={"probesize": "32768"})
        if not container.streams.audio or not container.streams.audio[0].codec_context.sample_rate:
            container.close()
            container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise MediaError(f"The file is not audio this portal can read: {_reason(exc)}") from exc
    with container:
        if not container.streams.audio:
            if required:
                raise MediaError("The file has no audio stream.", "InvalidFile.NoAudioStream")
            return
        if container.duration and container.duration / 1e6 > MAX_AUDIO_SECONDS:
            raise MediaError("The audio is longer than 12 hours.", "InvalidFile.TooLarge")
        stream = container.streams.audio[0]
        stream.thread_type = "NONE"
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        block_size = int(AUDIO_BLOCK_SECONDS * rate)
        pending: list[np.ndarray] = []
        held = 0
        total = 0
        decoded = packets = 0
        try:
            for packet in container.demux(stream):
                packets += packet.size > 0
                for frame in packet.decode():
                    decoded += 1
                    for out in resampler.resample(frame):
                        samples = out.to_ndarray().reshape(-1)
                        pending.append(samples)
                        held += len(samples)
                    if held >= block_size:
                        total += held
                        if total > MAX_AUDIO_SECONDS * rate:
                            raise MediaError("The audio is longer than 12 hours.", "InvalidFile.TooLarge")
                        yield np.concatenate(pending)
                        pending, held = [], 0
            for out in resampler.resample(None):
                pending.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            if decoded == 0:
                raise MediaError(f"The audio could not be decoded: {_reason(exc)}") from exc
            # A truncated file: keep what decoded cleanly.
        if decoded == 0 and required:
            if packets == 0:
                raise MediaError("The audio stream holds no samples.", "InvalidFile.Empty")
            raise MediaError("The audio stream has no decodable frames.", "InvalidFile.Corrupt")
        if pending:
            yield np.concatenate(pending)
