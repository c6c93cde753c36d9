"""The speech engine's parts: the recogniser behind its setting, words to phones, and recognition that
does not depend on what the process heard before."""

from pathlib import Path

import numpy as np
import pytest

from engine import registry
from engine.base import EngineError, MediaError
from engine.decode import sound_samples
from engine.speech.phones import phones_of
from engine.speech.recognisers import SETTING, PocketSphinx, Recogniser, Word, configured

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


class Scripted(Recogniser):
    """A recogniser that "hears" a fixed sentence: what a configured stronger recogniser plugs into."""

    def feed(self, samples: np.ndarray) -> None:
        pass

    def finish(self) -> list[Word]:
        said = "the wood cutters of the netherlands by a similar process".split()
        return [Word(word, 0.5 * n, 0.5 * n + 0.4) for n, word in enumerate(said)]


def _heard(samples: np.ndarray) -> list[str]:
    recogniser = PocketSphinx()
    recogniser.feed(samples)
    return [word.text for word in recogniser.finish()]


def test_a_files_words_do_not_depend_on_what_the_process_heard_before():
    revoiced = sound_samples(FIXTURES / "ljspeech/LJ001-0003-espeak.opus", 16000)
    other = sound_samples(FIXTURES / "librosa-data/198-209-0000.hq.ogg", 16000)
    first = _heard(revoiced)
    _heard(other)
    assert _heard(revoiced) == first and "centuries" in first


def test_words_have_their_times_in_the_file():
    sentence = sound_samples(FIXTURES / "ljspeech/LJ001-0002.opus", 16000)  # "in being comparatively modern."
    padded = np.concatenate([np.zeros(16000 * 3, np.float32), sentence])
    words = PocketSphinx()
    words.feed(padded)
    heard = words.finish()
    assert "comparatively" in [w.text for w in heard]
    assert 2.9 <= heard[0].start < heard[-1].end <= 3.0 + len(sentence) / 16000 + 0.1


def test_a_configured_recogniser_replaces_the_built_in_one(monkeypatch, tmp_path):
    monkeypatch.setenv(SETTING, f"{__name__}:Scripted")
    assert isinstance(configured(), Scripted)
    speech = registry.named("speech-phones4")
    fingerprint = speech.extract(speech.examples(FIXTURES, tmp_path)[0].copy)
    assert fingerprint.meta["words"] == 10
    index = speech.new_index()
    index.add("item", fingerprint)
    [hit] = index.search(fingerprint)
    assert hit.segments["speech"][0].query_text.startswith("the wood cutters")


@pytest.mark.parametrize("name", ["no.such.module:Thing", "engine.speech.recognisers:Word", "os:path"])
def test_a_setting_that_names_no_recogniser_is_an_error_not_a_crash(monkeypatch, name):
    monkeypatch.setenv(SETTING, name)
    with pytest.raises(EngineError):
        configured()


def test_phones_come_from_the_dictionary_or_the_spelling():
    assert phones_of("woodcutters") != phones_of("wood") and phones_of("would")[:2] == phones_of("wood")[:2]
    assert phones_of("qzxv") == "qzxv"


def test_fewer_than_three_words_are_no_speech():
    with pytest.raises(MediaError) as raised:
        registry.named("speech-phones4").from_words([Word("hello", 0.0, 0.4), Word("there", 0.4, 0.8)], 2.0)
    assert raised.value.code == "InvalidFile.NoSpeech"


def test_a_long_recording_is_heard_in_utterances_with_times_from_the_files_start():
    """Sound is recognised 30 s at most at a time, cut where it is quietest: the words of a 64 s
    recording (one sentence, then two minutes' worth of cuts' chances) keep their order and times."""
    sentence = sound_samples(FIXTURES / "ljspeech/LJ001-0001.opus", 16000)  # 9.7 s
    gap = np.zeros(16000 // 2, np.float32)
    recording = np.concatenate([piece for _ in range(6) for piece in (sentence, gap)])
    recogniser = PocketSphinx()
    for begin in range(0, len(recording), 16000 * 7):  # fed in pieces, as a decode does
        recogniser.feed(recording[begin : begin + 16000 * 7])
    heard = recogniser.finish()
    starts = [word.start for word in heard]
    assert starts == sorted(starts) and heard[-1].end <= len(recording) / 16000 + 0.1
    # "exhibition" ends each reading: heard near the end of each of the six.
    ends = [word.end for word in heard if word.text == "exhibition"]
    assert len(ends) >= 5 and ends[-1] == pytest.approx(6 * (len(sentence) + len(gap)) / 16000 - 0.5, abs=1.0)
