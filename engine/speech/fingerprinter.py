"""Speech fingerprints: the sound of a file recognised (engine/speech/recognisers.py), its words turned
into phones and the phones into shingles (engine/speech/phones.py), each phone with its time; searched
by engine/speech/index.py. A job of media kind `asr` reads an audio or video file's sound, which it
must have."""

from __future__ import annotations

import numpy as np

from engine.base import (
    Consumer,
    Fingerprint,
    Fingerprinter,
    MediaError,
    MediaInput,
    Need,
    Source,
    Track,
    pack_arrays,
    unpack_arrays,
)
from engine.decode import extract_stream
from engine.speech.examples import examples
from engine.speech.index import SpeechIndex
from engine.speech.phones import SHINGLE_PHONES, phone_hashes, phones_of
from engine.speech.recognisers import RATE, Word, configured
from engine.speech.subtitles import embedded_subtitles, read_subtitles

# Fewer recognised words than this are not a passage anyone could copy.
MIN_WORDS = 3


class SpeechConsumer(Consumer):
    """Recognises the sound it is fed; or, given the words (from subtitles), only follows the sound
    to know how long it lasts."""

    def __init__(self, fingerprinter: SpeechFingerprinter, words: list[Word] | None = None) -> None:
        self.fingerprinter = fingerprinter
        self.words = words
        self.recogniser = configured() if words is None else None
        self.seconds = 0.0

    def feed(self, seconds: float, chunk: np.ndarray) -> None:
        if self.recogniser is not None:
            self.recogniser.feed(chunk)
        self.seconds = seconds + len(chunk) / RATE

    def finish(self) -> Fingerprint:
        words = self.words if self.recogniser is None else self.recogniser.finish()
        fingerprint = self.fingerprinter.from_words(words, self.seconds)
        fingerprint.meta["words_from"] = "recognition" if self.recogniser is not None else "subtitles"
        return fingerprint


class SpeechFingerprinter(Fingerprinter):
    name = "speech-phones4"
    version = 2  # 2: utterances cut at the quietest moment instead of at the endpointer's pauses
    kinds = {"asr": Need.REQUIRED}
    source = Source.SOUND
    sample_rate = RATE
    index_class = SpeechIndex
    track = Track("speech", "seconds", "Speech", words=True)
    examples = staticmethod(examples)

    def extract(self, media: MediaInput, progress=None, *, query: bool = True) -> Fingerprint:
        return extract_stream(self, media, progress, query=query)

    def consumer(self, *, query: bool, media: MediaInput | None = None) -> Consumer:
        """Subtitles win: given with the media, or a text subtitle track in its container, they are
        read instead of recognising the sound."""
        if media is not None and media.subtitles:
            return SpeechConsumer(self, read_subtitles(media.subtitles))
        if media is not None and media.path is not None:
            words = embedded_subtitles(media.path)
            if words:
                return SpeechConsumer(self, words)
        return SpeechConsumer(self)

    def from_words(self, words: list[Word], duration: float) -> Fingerprint:
        """The fingerprint of a transcript: every phone of every word, timed by sharing its word's time
        equally, hashed in runs of SHINGLE_PHONES."""
        if len(words) < MIN_WORDS:
            raise MediaError(
                f"No speech was recognised ({len(words)} words; at least {MIN_WORDS} are needed).",
                "InvalidFile.NoSpeech",
            )
        phones, starts, ends, phone_words = [], [], [], []
        for number, word in enumerate(words):
            spoken = phones_of(word.text)
            step = (word.end - word.start) / max(1, len(spoken))
            for place, phone in enumerate(spoken):
                phones.append(phone)
                starts.append(word.start + place * step)
                ends.append(word.start + (place + 1) * step)
                phone_words.append(number)
        if len(phones) < SHINGLE_PHONES:
            raise MediaError("Too little speech was recognised to fingerprint.", "InvalidFile.NoSpeech")
        transcript = " ".join(word.text for word in words)
        data = pack_arrays(
            shingles=phone_hashes("".join(phones)),
            starts=np.array(starts, np.float32),
            ends=np.array(ends, np.float32),
            phone_words=np.array(phone_words, np.int32),
            transcript=np.frombuffer(transcript.encode(), np.uint8),
            word_times=np.array([(w.start, w.end) for w in words], np.float32),
        )
        meta = {"duration": round(duration, 3), "words": len(words)}
        return Fingerprint(self.name, self.version, data, meta)

    def words(self, fingerprint: Fingerprint) -> list[tuple[str, float, float]]:
        arrays = unpack_arrays(fingerprint)
        said = arrays["transcript"].tobytes().decode("utf-8", "replace").split(" ")
        return [
            (word, float(start), float(end))
            for word, (start, end) in zip(said, arrays["word_times"], strict=True)
        ]
