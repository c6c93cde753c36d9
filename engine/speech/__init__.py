"""Speech (media kind `asr`): what a file says, recognised, as timed phones chained into passages."""

from engine.speech.fingerprinter import SpeechFingerprinter

FINGERPRINTERS = (SpeechFingerprinter(),)
