"""Subtitles instead of recognition: an SRT or WebVTT file given with a recording, or a text subtitle
track in its container, read as words with times.

A subtitle file says what is said better than the built-in recogniser hears it, so when one is there
the speech fingerprint is made from it. Within a cue, words share its time in proportion to their
length (cues are a few seconds long, so a word is placed to within about a second).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import av

from engine.base import MediaError
from engine.speech.recognisers import Word

# A subtitle file larger than this is not one (a feature film's SRT is about 100 KB).
MAX_SUBTITLE_BYTES = 2 * 1024 * 1024
MAX_CUES = 100_000
INVALID = "InvalidFile.Subtitles"

_TIME = r"(?:(\d{1,6}):)?(\d{1,2}):(\d{2})[,.](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s.*)?$")
# Markup inside a cue: HTML-like tags (<i>, <v Speaker>, <00:01.000>) and ASS overrides ({\an8}).
_MARKUP = re.compile(r"<[^<>]{0,200}>|\{\\[^{}]{0,200}\}")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# WebVTT blocks that hold no cue.
_NOT_CUES = ("NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def _seconds(hours, minutes, seconds, fraction) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction.ljust(3, "0")) / 1000


def parse_cues(text: str) -> list[Cue]:
    """The cues of an SRT or WebVTT file, in time order; MediaError (InvalidFile.Subtitles) saying
    where the file is wrong when it is not one."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    webvtt = lines[0].startswith("WEBVTT")
    cues: list[Cue] = []
    block: list[tuple[int, str]] = []
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip():
            block.append((number, line))
            continue
        if block:
            cue = _cue(block, webvtt, first=not cues)
            if cue is not None:
                cues.append(cue)
                if len(cues) > MAX_CUES:
                    raise MediaError(f"The subtitles hold more than {MAX_CUES} cues.", INVALID)
            block = []
    if not cues:
        raise MediaError("The subtitles hold no cue (no line like '00:00:01,000 --> 00:00:04,000').", INVALID)
    return sorted(cues, key=lambda cue: cue.start)


def _cue(block: list[tuple[int, str]], webvtt: bool, *, first: bool) -> Cue | None:
    timed = [i for i, (_, line) in enumerate(block) if "-->" in line]
    if not timed:
        head = block[0][1].strip()
        if webvtt and (head.startswith("WEBVTT") or head.split(" ")[0] in _NOT_CUES):
            return None
        raise MediaError(f"Line {block[0][0]}: a subtitle block without a 'start --> end' line.", INVALID)
    number, line = block[timed[0]]
    found = _TIMING.match(line)
    if found is None:
        raise MediaError(
            f"Line {number}: not a cue timing ('00:00:01,000 --> 00:00:04,000'): {line[:80]!r}", INVALID
        )
    start, end = _seconds(*found.groups()[:4]), _seconds(*found.groups()[4:])
    if end < start:
        raise MediaError(f"Line {number}: the cue ends before it starts.", INVALID)
    words = " ".join(text for _, text in block[timed[0] + 1 :])
    return Cue(start, end, html.unescape(_MARKUP.sub(" ", words)))


def words_of(cues: list[Cue]) -> list[Word]:
    """Each cue's words, lower-cased, sharing the cue's time in proportion to their length."""
    words: list[Word] = []
    for cue in cues:
        said = [found.group().lower() for found in _WORD.finditer(cue.text)]
        total = sum(len(word) + 1 for word in said)
        at = cue.start
        for word in said:
            step = (cue.end - cue.start) * (len(word) + 1) / total
            words.append(Word(word, at, at + step))
            at += step
    return words


def read_subtitles(text: str) -> list[Word]:
    return words_of(parse_cues(text))


def embedded_subtitles(path: Path) -> list[Word] | None:
    """The words of the first text subtitle track in a container (Matroska, MP4, WebM...), or None
    when it has none (or only picture subtitles, which would need reading by OCR)."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            for stream in container.streams.subtitles:
                cues = _track_cues(container, stream)
                if cues:
                    return words_of(cues)
    except (av.FFmpegError, UnicodeDecodeError, ValueError):
        return None
    return None


def _track_cues(container, stream) -> list[Cue]:
    cues = []
    for packet in container.demux(stream):
        if packet.pts is None:
            continue
        shown = stream.decode2(packet)
        if shown is None:
            continue
        at = float(packet.pts * stream.time_base)
        for rect in shown:
            dialogue = getattr(rect, "dialogue", None)
            if dialogue is None:
                return []  # a picture track
            start = at + shown.start_display_time / 1000
            if shown.end_display_time:
                end = at + shown.end_display_time / 1000
            else:
                end = at + float((packet.duration or 0) * stream.time_base)
            cues.append(Cue(start, max(start, end), _MARKUP.sub(" ", dialogue.decode("utf-8", "replace"))))
        if len(cues) > MAX_CUES:
            break
    return sorted(cues, key=lambda cue: cue.start)
