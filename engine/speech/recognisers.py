"""Speech recognisers: sound in, words with their times out, behind one small interface so that a
stronger recogniser can replace the built-in one by a setting (DNAPORTAL_SPEECH_RECOGNISER).

The built-in one is PocketSphinx with the US English model inside its PyPI wheel: nothing is downloaded
at run time. Its quality and speed, measured here, are in docs/evaluation.md ("Speech").
"""

from __future__ import annotations

import importlib
import os
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache

import numpy as np

from engine.base import EngineError

RATE = 16000
# Sound that is digitally silent between words (synthetic voices, gated recordings) throws the
# recogniser's feature normalisation off: on espeak-ng readings its word error rate fell from 0.70 to
# 0.35-0.40 with a noise floor about 40 dB under the speech. A fixed floor (seeded: the same file
# always gives the same words) about 54 dB under full scale is added before recognition.
NOISE_FLOOR = 0.002
# Sound is cut into utterances at least this often: the decoder's memory grows with an utterance's
# length, and so does the sound held until it is recognised.
MAX_UTTERANCE_SECONDS = 30.0
SETTING = "DNAPORTAL_SPEECH_RECOGNISER"


@dataclass(frozen=True)
class Word:
    """A recognised word, lower case, and where it was said (seconds from the file's start)."""

    text: str
    start: float
    end: float


class Recogniser(ABC):
    """One file's recognition: fed mono float32 samples at RATE in order, then asked for its words."""

    @abstractmethod
    def feed(self, samples: np.ndarray) -> None: ...

    @abstractmethod
    def finish(self) -> list[Word]:
        """Every word recognised, in order (empty when nothing was said)."""


class PocketSphinx(Recogniser):
    """CMU PocketSphinx (pocketsphinx on PyPI, its own US English acoustic model, language model and
    dictionary). Sound is recognised in utterances of up to MAX_UTTERANCE_SECONDS, each cut at the
    quietest moment of its last CUT_SEARCH_SECONDS (between words, as a rule). Its voice-activity
    endpointer was tried first: cutting at its pauses doubled the word error rate on LJ Speech (0.21
    -> 0.51), losing the starts of words and the language model's context."""

    # Fewer active states per frame than the default (30,000): 2x faster, word error rate unchanged on
    # 16 LJ Speech clips (0.21); 1,500 is 3x faster but loses 3 points.
    MAX_HMM_PER_FRAME = 3000
    CUT_SEARCH_SECONDS = 5.0
    QUIET_FRAME = RATE // 100  # the cut's resolution: 10 ms

    def __init__(self) -> None:
        self.decoder = _decoder(self.MAX_HMM_PER_FRAME)
        self.frames_per_second = int(self.decoder.config["frate"])
        self.pending = np.zeros(0, np.int16)
        self.pending_start = 0.0  # where the pending sound starts in the file, in seconds
        self.noise = np.random.default_rng(0)
        self.words: list[Word] = []
        try:  # an earlier recognition that failed midway may have left an utterance open
            self.decoder.end_utt()
        except RuntimeError:
            pass
        # The decoder's front end adapts to what it hears (its cepstral mean among others); each file
        # starts afresh, so a file's words do not depend on what the process recognised before.
        self.decoder.reinit_feat()
        self.decoder.set_cmn(_initial_cmn(self.MAX_HMM_PER_FRAME))

    def feed(self, samples: np.ndarray) -> None:
        floor = self.noise.normal(0.0, NOISE_FLOOR, len(samples)).astype(np.float32)
        pcm = (np.clip(samples + floor, -1.0, 1.0) * 32767).astype(np.int16)
        self.pending = np.concatenate([self.pending, pcm])
        limit = int(MAX_UTTERANCE_SECONDS * RATE)
        while len(self.pending) >= limit:
            cut = self._quietest_cut(self.pending[:limit])
            self._utterance(self.pending[:cut])
            self.pending = self.pending[cut:]
            self.pending_start += cut / RATE

    def _quietest_cut(self, window: np.ndarray) -> int:
        """The start of the quietest 10 ms of the window's last CUT_SEARCH_SECONDS."""
        frame = self.QUIET_FRAME
        first = len(window) - int(self.CUT_SEARCH_SECONDS * RATE)
        tail = window[first:].astype(np.float32)
        energy = (tail[: len(tail) // frame * frame].reshape(-1, frame) ** 2).sum(axis=1)
        return first + int(np.argmin(energy)) * frame

    def _utterance(self, pcm: np.ndarray) -> None:
        if len(pcm) == 0:
            return
        self.decoder.start_utt()
        self.decoder.process_raw(pcm.tobytes(), no_search=False, full_utt=True)
        self.decoder.end_utt()
        for segment in self.decoder.seg():
            text = _plain(segment.word)
            if text:
                start = self.pending_start + segment.start_frame / self.frames_per_second
                end = self.pending_start + (segment.end_frame + 1) / self.frames_per_second
                self.words.append(Word(text, round(start, 3), round(end, 3)))

    def finish(self) -> list[Word]:
        self._utterance(self.pending)
        self.pending = np.zeros(0, np.int16)
        return self.words


@cache
def _decoder(max_hmm_per_frame: int):
    """One decoder per process, reused by each file's recognition in turn (loading the model takes
    0.7 s, as long as recognising 2 s of speech)."""
    from pocketsphinx import Decoder

    return Decoder(samprate=RATE, loglevel="FATAL", maxhmmpf=max_hmm_per_frame)


@cache
def _initial_cmn(max_hmm_per_frame: int) -> str:
    return _decoder(max_hmm_per_frame).get_cmn()


def _plain(token: str) -> str:
    """A dictionary word without its variant number ("read(2)"); fillers and silences give ""."""
    if token.startswith(("<", "[", "+")):
        return ""
    return re.sub(r"\(\d+\)$", "", token).lower()


def configured() -> Recogniser:
    """A new recogniser of the configured kind: `pocketsphinx` (the default), or `module:Class` naming
    a Recogniser subclass (a stronger recogniser with a local model, set up by its own settings)."""
    name = os.environ.get(SETTING, "").strip() or "pocketsphinx"
    if name == "pocketsphinx":
        return PocketSphinx()
    module, _, attribute = name.partition(":")
    try:
        made = getattr(importlib.import_module(module), attribute)()
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        raise EngineError(f"{SETTING}={name!r} does not name a recogniser: {exc}", "InternalError") from exc
    if not isinstance(made, Recogniser):
        raise EngineError(f"{SETTING}={name!r} is not a Recogniser", "InternalError")
    return made
