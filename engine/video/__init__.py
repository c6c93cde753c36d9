"""Pictures of videos: DCT hashes of sampled frames and their parts, seeded and aligned in time."""

from engine.video.fingerprinter import VideoFingerprinter

FINGERPRINTERS = (VideoFingerprinter(),)
