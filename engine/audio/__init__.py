"""Sound: band-shape codes every 32 ms, looked up by keys and verified along lines in time."""

from engine.audio.fingerprinter import AudioFingerprinter

FINGERPRINTERS = (AudioFingerprinter(),)
