"""Images: a global DCT hash for whole-picture copies and SIFT keypoints for crops and overlays."""

from engine.image.fingerprinter import ImageFingerprinter

FINGERPRINTERS = (ImageFingerprinter(),)
