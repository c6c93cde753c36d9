"""One decode per file: a single demux loop over a file's picture and sound streams, feeding each
fingerprinter's consumer its own stream, in-process through PyAV's bundled FFmpeg.

Pictures: the first video stream. Only reference frames are decoded (B-frames that nothing depends on
are skipped, so fewer frames are decoded than in plain playback), sampled about `rate` times a second
on the stream's own timestamps (variable frame rates work), and handed on as the luma plane.
Sound: the first audio stream, resampled to mono float32 at `rate` samples a second and handed on in
blocks of about AUDIO_BLOCK_SECONDS, so memory stays bounded whatever the file's length.

Damage: a packet that does not decode is skipped, as FFmpeg's own tools do, and counted (a sound
packet's stretch is replaced by silence, so later sound keeps its time). A stream whose packets never
decode is given up. Either fails the input only when its kind needs that stream (Need.REQUIRED);
otherwise the input is described by its other stream, and the notes returned say what was skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from engine.base import Fingerprint, Fingerprinter, MediaError, MediaInput, Need, Progress, Sink, Source
from engine.files import file_size

MAX_VIDEO_PIXELS = 8192 * 4320  # 8K; larger frames are refused before decoding
MAX_SECONDS = 12 * 3600
AUDIO_BLOCK_SECONDS = 30.0
# A stream whose first this many packets all fail to decode is given up (its codec is unusable).
GIVE_UP_AFTER = 48
# A lost sound packet is replaced by at most this much silence: its duration comes from the file, and a
# hostile file could claim hours for one packet (real ones last tens of milliseconds).
MAX_LOST_PACKET_SECONDS = 2.0
# FFmpeg probes up to 5 MB by default, which for a PCM file costs 13 ms of a 10 s query's budget; 32 kB
# finds the streams of common files, and a file whose streams are not all found in them is probed fully.
QUICK_PROBE = {"probesize": "32768"}
PROGRESS_EVERY_SECONDS = 30.0
# FFmpeg's sample formats (planar ones end in "p") and their numpy types.
SAMPLE_TYPES = {
    "u8": np.uint8,
    "s16": np.int16,
    "s32": np.int32,
    "s64": np.int64,
    "flt": np.float32,
    "dbl": np.float64,
}


@dataclass(frozen=True)
class Want:
    """A stream wanted from the decode: where it goes, whether the input must have it, and the rate it
    is wanted at (pictures: frames a second; sound: samples a second). Several fingerprinters may want
    the same stream, each at its own rate."""

    source: Source
    sink: Sink
    need: Need
    rate: float


def ffmpeg_reason(exc: Exception) -> str:
    """FFmpeg's reason without the file name (a worker's temporary path means nothing to a client)."""
    return getattr(exc, "strerror", None) or type(exc).__name__


def extract_stream(
    fingerprinter: Fingerprinter, media: MediaInput, progress: Progress | None = None, *, query: bool = True
) -> Fingerprint:
    """One fingerprinter's fingerprint of a file's picture or sound stream (which it needs)."""
    assert media.path is not None, f"{fingerprinter.name} fingerprints are made from files"
    consumer = fingerprinter.consumer(query=query, media=media)
    decode_streams(
        media.path, [Want(fingerprinter.source, consumer, Need.REQUIRED, fingerprinter.sample_rate)], progress
    )
    return consumer.finish()


def sound_samples(path: Path, rate: float) -> np.ndarray:
    """A file's whole sound as mono float32 at `rate` (for short files: previews, examples, benches)."""
    kept = _Kept()
    decode_streams(path, [Want(Source.SOUND, kept, Need.REQUIRED, rate)])
    return np.concatenate(kept.blocks) if kept.blocks else np.zeros(0, np.float32)


class _Kept(Sink):
    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []

    def feed(self, seconds: float, chunk: np.ndarray) -> None:
        self.blocks.append(chunk)


def decode_streams(path: Path, wants: Sequence[Want], progress: Progress | None = None) -> list[str]:
    """Decode `path` once, feeding every wanted stream to its sinks. Returns notes on what was skipped;
    raises MediaError when the file or a stream it needs is unusable."""
    file_size(path)
    sources = {want.source for want in wants}
    container = _open(path, sources)
    notes: list[str] = []
    with container:
        readers = [READERS[source](container, [w for w in wants if w.source == source]) for source in sources]
        readers.sort(key=lambda reader: reader.name)
        if container.duration and container.duration / 1e6 > MAX_SECONDS:
            raise MediaError(f"The input is longer than {MAX_SECONDS // 3600} hours.", "InvalidFile.TooLarge")
        stopped = _demux(container, [reader for reader in readers if reader.stream is not None], progress)
        for reader in readers:
            notes += reader.conclude()
    if stopped:
        notes.append(f"Reading stopped early, where the file is damaged: {stopped}.")
    return notes


def _open(path: Path, sources: set[Source]):
    try:
        container = av.open(str(path), options=QUICK_PROBE)
        if not _streams_found(container, sources):
            container.close()
            container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        kind = "a video" if Source.PICTURES in sources else "audio"
        raise MediaError(f"The file is not {kind} this portal can read: {ffmpeg_reason(exc)}") from exc
    return container


def _streams_found(container, sources: set[Source]) -> bool:
    if Source.PICTURES in sources and not container.streams.video:
        return False
    if Source.SOUND in sources:
        return bool(container.streams.audio) and bool(container.streams.audio[0].codec_context.sample_rate)
    return True


def _demux(container, readers: list[_Reader], progress: Progress | None) -> str:
    """Feed every packet to its stream's reader; the reason reading stopped early, if it did."""
    by_stream = {reader.stream.index: reader for reader in readers}
    total = container.duration / 1e6 if container.duration else None
    reported = 0.0
    stopped = ""
    if readers:
        try:
            for packet in container.demux(*[reader.stream for reader in readers]):
                reader = by_stream[packet.stream.index]
                if reader.given_up:
                    continue
                if not reader.take(packet) and all(r.given_up for r in readers):
                    break
                if progress is not None and reader.clock - reported >= PROGRESS_EVERY_SECONDS:
                    reported = reader.clock
                    progress(reported, total)
        except av.error.FFmpegError as exc:
            # The container itself is damaged from here on: FFmpeg's tools stop reading there too, and
            # keep what decoded before.
            stopped = ffmpeg_reason(exc)
    for reader in readers:
        reader.flush()
    return stopped


class _Reader:
    """Decodes one stream's packets for its outlets (one per Want), counting what could not be decoded."""

    name = ""

    def __init__(self, wants: list[Want], streams) -> None:
        self.need = Need.REQUIRED if any(w.need == Need.REQUIRED for w in wants) else Need.OPTIONAL
        self.stream = streams[0] if streams else None
        self.packets = self.damaged = self.decoded = self.handed = 0
        self.clock = 0.0  # seconds of the stream handed on so far
        self.given_up = ""

    def take(self, packet) -> bool:
        """Decode one packet; False when it did not decode."""
        self.packets += bool(packet.size)
        try:
            frames = packet.decode()
        except (av.error.FFmpegError, ValueError) as exc:
            self.damaged += 1
            self.lost(packet)
            if self.decoded == 0 and self.damaged >= GIVE_UP_AFTER:
                self.given_up = ffmpeg_reason(exc)
            return False
        for frame in frames:
            self.decoded += 1
            self.frame(frame)
        return True

    def frame(self, frame) -> None:
        raise NotImplementedError

    def lost(self, packet) -> None:
        """A packet was skipped: keep time where that matters."""

    def flush(self) -> None:
        """Hand on what is still held (the demuxer's last empty packets already flushed the decoder)."""

    def conclude(self) -> list[str]:
        """Notes for the job; MediaError when a stream the input needs gave nothing."""
        if self.handed == 0:
            if self.need == Need.REQUIRED:
                raise MediaError(*self.unusable())
            if self.stream is None:
                return []  # a silent video is not damaged
            reason = self.given_up or ("its packets do not decode" if self.damaged else "it holds nothing")
            return [f"The {self.name} stream was not used ({reason}); the other streams describe the input."]
        if self.damaged:
            return [f"{self.damaged} damaged {self.name} packet(s) skipped{self.damage_detail()}."]
        return []

    def damage_detail(self) -> str:
        return ""

    def unusable(self) -> tuple[str, str]:
        """(message, code) for a required stream that gave nothing."""
        raise NotImplementedError


class _Pictures(_Reader):
    """Reference frames only, each outlet sampling about its `rate` frames a second, as luma planes."""

    name = "picture"

    def __init__(self, container, wants: list[Want]) -> None:
        super().__init__(wants, container.streams.video)
        self.outlets = [_Sampler(want) for want in wants]
        if self.stream is None:
            return
        context = self.stream.codec_context
        if (context.width or 0) * (context.height or 0) > MAX_VIDEO_PIXELS:
            raise MediaError(
                f"The video is {context.width}x{context.height}; at most 8K frames are accepted.",
                "InvalidFile.TooLarge",
            )
        self.stream.thread_type = "NONE"
        context.skip_frame = "NONREF"
        self.time_base = self.stream.time_base

    def frame(self, frame) -> None:
        if frame.pts is None:
            return
        # frame.time, without its Fraction arithmetic (int / int is correctly rounded, as is float() of
        # the Fraction): every decoded frame is timed, only a few are kept.
        seconds = frame.pts * self.time_base.numerator / self.time_base.denominator
        plane = None
        for outlet in self.outlets:
            if outlet.due(seconds):
                plane = luma(frame) if plane is None else plane
                outlet.want.sink.feed(seconds, plane)
                self.handed += 1
                self.clock = seconds

    def unusable(self) -> tuple[str, str]:
        if self.stream is None:
            return "The file has no video stream.", "InvalidFile.NoVideoStream"
        if self.given_up or self.damaged:
            return (
                f"The video could not be decoded: {self.given_up or 'no packet decodes'}.",
                "InvalidFile.Corrupt",
            )
        return "The video has no decodable frames.", "InvalidFile.Corrupt"


class _Sampler:
    """Which decoded frames one picture outlet takes: about `rate` a second, on the frames' own times."""

    def __init__(self, want: Want) -> None:
        self.want = want
        self.step = 1.0 / want.rate
        self.next_time: float | None = None

    def due(self, seconds: float) -> bool:
        if self.next_time is None:
            self.next_time = seconds
        if seconds + 1e-6 < self.next_time:
            return False
        self.next_time = max(self.next_time + self.step, seconds + self.step * 0.5)
        return True


class _Sound(_Reader):
    """Mono float32 for each outlet at its `rate`, in blocks of about AUDIO_BLOCK_SECONDS."""

    name = "sound"

    def __init__(self, container, wants: list[Want]) -> None:
        super().__init__(wants, container.streams.audio)
        self.outlets = [_Blocks(want, self) for want in wants]
        self.seconds_lost = 0.0
        if self.stream is not None:
            self.stream.thread_type = "NONE"

    def frame(self, frame) -> None:
        # Called for every decoded frame (about 40 a second): kept to the bare loop.
        if self.decoded == 1:
            self.last = frame
            if self.seconds_lost:  # packets lost before the first good one: their time still passed
                self._silence(self.seconds_lost)
        for outlet in self.outlets:
            outlet.take(frame)

    def lost(self, packet) -> None:
        if packet.duration and packet.time_base:
            seconds = min(max(0.0, float(packet.duration * packet.time_base)), MAX_LOST_PACKET_SECONDS)
            self.seconds_lost += seconds
            if self.decoded:
                self._silence(seconds)

    def _silence(self, seconds: float) -> None:
        """`seconds` of silence in the stream's own sample format, through the resamplers, so that it
        lands in its place among the samples they still hold."""
        like = self.last
        channels = len(like.layout.channels)
        samples = max(1, round(seconds * like.sample_rate))
        shape = (channels, samples) if like.format.is_planar else (1, samples * channels)
        dtype = SAMPLE_TYPES[like.format.name.removesuffix("p")]
        level = 128 if dtype == np.uint8 else 0  # unsigned 8-bit sound is silent at its middle
        quiet = av.AudioFrame.from_ndarray(
            np.full(shape, level, dtype), format=like.format.name, layout=like.layout.name
        )
        quiet.sample_rate = like.sample_rate
        for outlet in self.outlets:
            outlet.take(quiet)

    def flush(self) -> None:
        if self.decoded:
            for outlet in self.outlets:
                outlet.flush()

    def handed_on(self, seconds: float) -> None:
        """An outlet handed a block on, up to `seconds` of the stream."""
        self.handed += 1
        self.clock = max(self.clock, seconds)

    def damage_detail(self) -> str:
        return f", about {self.seconds_lost:.1f} s replaced by silence" if self.seconds_lost else ""

    def unusable(self) -> tuple[str, str]:
        if self.stream is None:
            return "The file has no audio stream.", "InvalidFile.NoAudioStream"
        if self.packets == 0:
            return "The audio stream holds no samples.", "InvalidFile.Empty"
        reason = self.given_up or "no packet decodes"
        return f"The audio stream has no decodable frames ({reason}).", "InvalidFile.Corrupt"


class _Blocks:
    """One sound outlet: resampled to its rate, handed on in blocks of about AUDIO_BLOCK_SECONDS."""

    def __init__(self, want: Want, reader: _Sound) -> None:
        self.want = want
        self.reader = reader
        self.rate = int(want.rate)
        self.block = int(AUDIO_BLOCK_SECONDS * self.rate)
        self.resampler = av.AudioResampler(format="flt", layout="mono", rate=self.rate)
        self.pending: list[np.ndarray] = []
        self.held = self.total = 0

    def take(self, frame) -> None:
        for out in self.resampler.resample(frame):
            samples = out.to_ndarray().reshape(-1)
            self.pending.append(samples)
            self.held += len(samples)
        if self.held >= self.block:
            self._hand_on()

    def flush(self) -> None:
        for out in self.resampler.resample(None):
            samples = out.to_ndarray().reshape(-1)
            self.pending.append(samples)
            self.held += len(samples)
        self._hand_on()

    def _hand_on(self) -> None:
        if not self.held:
            return
        if self.total + self.held > MAX_SECONDS * self.rate:
            raise MediaError(f"The audio is longer than {MAX_SECONDS // 3600} hours.", "InvalidFile.TooLarge")
        block = np.concatenate(self.pending)
        self.want.sink.feed(self.total / self.rate, block)
        self.total += len(block)
        self.pending, self.held = [], 0
        self.reader.handed_on(self.total / self.rate)


READERS = {Source.PICTURES: _Pictures, Source.SOUND: _Sound}


def luma(frame) -> np.ndarray:
    """The frame's luma (Y) plane as a 2-D uint8 view, without a colour conversion where possible."""
    name = frame.format.name
    if name.startswith(("yuv", "yuvj", "nv12", "nv21", "gray")) and not name.startswith(("yuyv", "uyvy")):
        if name.endswith(("16le", "16be", "10le", "10be", "12le", "12be")):
            return frame.to_ndarray(format="gray")
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        return rows[:, : plane.width]
    return frame.to_ndarray(format="gray")
