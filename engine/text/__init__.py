"""Texts: hashed word shingles with their character offsets, chained into copied passages."""

from engine.text.fingerprinter import TextFingerprinter

FINGERPRINTERS = (TextFingerprinter(),)
