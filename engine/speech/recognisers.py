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
# Continuous speech is cut into utterances at least this often: the decoder's memory grows with an
# utterance's length.
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
    dictionary). Utterances are cut at pauses by its voice activity endpointer."""

    # Fewer active states per frame than the default (30,000): 2x faster, word error rate unchanged on
    # 16 LJ Speech clips (0.21); 1,500 is 3x faster but loses 3 points.
    MAX_HMM_PER_FRAME = 3000

    def __init__(self) -> None:
        from pocketsphinx import Endpointer

        self.decoder = _decoder(self.MAX_HMM_PER_FRAME)
        self.frames_per_second = int(self.decoder.config["frate"])
        self.endpointer = Endpointer(sample_rate=RATE)
        self.frame_samples = self.endpointer.frame_bytes // 2
        self.pending = np.zeros(0, np.int16)
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
        self.utterance_start: float | None = None
        self.cut_at: float | None = None
        self.fed = 0  # samples fed to the decoder in the current utterance

    def feed(self, samples: np.ndarray) -> None:
        floor = self.noise.normal(0.0, NOISE_FLOOR, len(samples)).astype(np.float32)
        pcm = (np.clip(samples + floor, -1.0, 1.0) * 32767).astype(np.int16)
        self.pending = np.concatenate([self.pending, pcm])
        whole = len(self.pending) // self.frame_samples * self.frame_samples
        for begin in range(0, whole, self.frame_samples):
            self._frame(self.pending[begin : begin + self.frame_samples].tobytes())
        self.pending = self.pending[whole:]

    def _frame(self, frame: bytes) -> None:
        speech = self.endpointer.process(frame)
        if speech is not None:
            self._speech(speech, self.endpointer.speech_start)
        if not self.endpointer.in_speech:
            self.cut_at = None
            if self.utterance_start is not None:
                self._end_utterance()

    def _speech(self, speech: bytes, started: float) -> None:
        if not speech:  # the endpointer's last piece of a stream can be empty
            return
        if self.utterance_start is None:
            # A long stretch of speech cut into utterances goes on where the last one stopped.
            self.utterance_start = started if self.cut_at is None else self.cut_at
            self.cut_at = None
            self.fed = 0
            self.decoder.start_utt()
        self.decoder.process_raw(speech, no_search=False, full_utt=False)
        self.fed += len(speech) // 2
        if self.fed >= MAX_UTTERANCE_SECONDS * RATE:
            cut_at = self.utterance_start + self.fed / RATE
            self._end_utterance()
            self.cut_at = cut_at

    def _end_utterance(self) -> None:
        self.decoder.end_utt()
        offset = self.utterance_start or 0.0
        for segment in self.decoder.seg():
            text = _plain(segment.word)
            if text:
                start = offset + segment.start_frame / self.frames_per_second
                end = offset + (segment.end_frame + 1) / self.frames_per_second
                self.words.append(Word(text, round(start, 3), round(end, 3)))
        self.utterance_start = None

    def finish(self) -> list[Word]:
        if len(self.pending):
            tail = np.zeros(self.frame_samples, np.int16)
            tail[: len(self.pending)] = self.pending
            speech = self.endpointer.end_stream(tail.tobytes())
            if speech is not None:
                self._speech(speech, self.endpointer.speech_start)
        if self.utterance_start is not None:
            self._end_utterance()
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
