"""The fingerprint engine: plain Python with numpy, OpenCV and PyAV, and no Django.

Each fingerprinter (signal type) has a folder here declaring itself (engine/base.py is the contract);
engine/registry.py finds them, engine/extract.py runs those of a media kind over one input.
"""

import os

# OpenCV refuses, in the header of every image format it reads (WebP, TIFF, BMP, PNG, JPEG...), a
# picture over this many pixels before allocating it. It reads the variable once, when cv2 loads, so
# it is set here, before any engine module imports cv2 (engine/image/reading.py uses the same figure).
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", "100000000")
