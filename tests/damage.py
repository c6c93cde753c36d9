"""Damaged media for the tests, made from real clips: files whose sound or pictures do not decode, and
files with a few packets overwritten in the middle, as a bad disk or a broken upload leaves them."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tests import audio_clips


def _picture_stream(out, frames, fps: int):
    video = out.add_stream("libx264", rate=fps)
    video.width, video.height, video.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
    video.options = {"preset": "ultrafast"}
    return video


def _mux_pictures(out, video, frames) -> None:
    for index, image in enumerate(frames):
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame.pts = index
        out.mux(video.encode(frame))
    out.mux(video.encode(None))


def video_with_undecodable_sound(path: Path, frames, fps: int = 25, seconds: float = 10.0) -> Path:
    """H.264 pictures and an AAC sound track whose decoder configuration is garbage: no packet of the
    sound decodes (FFmpeg: "Invalid data found when processing input")."""
    rng = np.random.default_rng(7)
    with av.open(str(path), "w", format="matroska") as out:
        video = _picture_stream(out, frames, fps)
        sound = out.add_stream("aac", rate=audio_clips.RATE, layout="mono")
        sound.codec_context.extradata = b"\xff\xff\xff\xff"
        _mux_pictures(out, video, frames)
        for k in range(int(seconds * audio_clips.RATE / 1024)):
            packet = av.Packet(rng.integers(0, 256, 200, dtype=np.uint8).tobytes())
            packet.stream, packet.pts, packet.dts = sound, k * 1024, k * 1024
            out.mux(packet)
    return path


def audio_with_unreadable_pictures(path: Path, samples: np.ndarray, seconds: float) -> Path:
    """Good AAC sound beside an H.264 picture track made of random bytes (nothing of it decodes)."""
    rng = np.random.default_rng(8)
    audio_clips.write(path.with_suffix(".m4a"), samples)
    with av.open(str(path.with_suffix(".m4a"))) as source, av.open(str(path), "w", format="matroska") as out:
        pictures = out.add_stream("libx264", rate=25)
        pictures.width, pictures.height, pictures.pix_fmt = 320, 180, "yuv420p"
        sound = out.add_stream_from_template(source.streams.audio[0])
        for k in range(int(seconds * 25)):
            packet = av.Packet(rng.integers(0, 256, 400, dtype=np.uint8).tobytes())
            packet.stream, packet.pts, packet.dts = pictures, k, k
            packet.time_base = Fraction(1, 25)
            out.mux(packet)
        for packet in source.demux(source.streams.audio[0]):
            if packet.size:
                packet.stream = sound
                out.mux(packet)
    path.with_suffix(".m4a").unlink()
    return path


def overwrite_packets(path: Path, count: int = 3, stream: str = "audio") -> Path:
    """Overwrite `count` packets in the middle of the file's first `stream` stream with random bytes
    (their first two bytes kept, so the demuxer still finds them and only decoding fails)."""
    data = bytearray(path.read_bytes())
    with av.open(str(path)) as container:
        packets = [(p.pos, p.size) for p in container.demux(**{stream: 0}) if p.size and p.pos is not None]
    middle = len(packets) // 2
    for pos, size in packets[middle : middle + count]:
        data[pos + 2 : pos + size] = (
            np.random.default_rng(pos).integers(0, 256, size - 2, dtype=np.uint8).tobytes()
        )
    damaged = path.with_name(f"{path.stem}-{count}-packets-damaged{path.suffix}")
    damaged.write_bytes(bytes(data))
    return damaged


def lying_damaged_packet(path: Path, claimed_seconds: int = 36_000) -> Path:
    """The sound of `path` (an .m4a) remuxed with one packet in the middle replaced by random bytes, and
    the next packet stamped `claimed_seconds` later, so that the damaged one claims to last that long (a
    hostile file: the silence standing in for it must not be that long)."""
    target = path.with_name(f"{path.stem}-lying-packet.m4a")
    rng = np.random.default_rng(9)
    with av.open(str(path)) as source, av.open(str(target), "w", format="mp4") as out:
        stream = out.add_stream_from_template(source.streams.audio[0])
        packets = [p for p in source.demux(source.streams.audio[0]) if p.size]
        shift = 0
        for index, packet in enumerate(packets):
            if index == len(packets) // 2:
                lie = av.Packet(rng.integers(0, 256, packet.size, dtype=np.uint8).tobytes())
                lie.pts, lie.dts, lie.time_base = packet.pts, packet.dts, packet.time_base
                packet = lie
                shift = int(claimed_seconds / packet.time_base)
            elif shift:
                packet.pts, packet.dts = packet.pts + shift, packet.dts + shift
            packet.stream = stream
            out.mux(packet)
    return target
