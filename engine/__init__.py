"""The fingerprint engine: plain Python with numpy, OpenCV and PyAV, and no Django.

Each fingerprinter (signal type) has a folder here declaring itself (engine/base.py is the contract);
engine/registry.py finds them, engine/extract.py runs those of a media kind over one input.
"""

import ctypes
import os

# OpenCV refuses, in the header of every image format it reads (WebP, TIFF, BMP, PNG, JPEG...), a
# picture over this many pixels before allocating it. It reads the variable once, when cv2 loads, so
# it is set here, before any engine module imports cv2 (engine/image/reading.py uses the same figure).
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", "100000000")

# One fingerprinting process, one core: the portal runs N worker processes on N cores, and the native
# thread pools inside each (OpenCV's, BLAS's) would oversubscribe them. Measured with
# bench/import_speed.py on 2 cores: OpenCV's default pool made one process use 1.3 cores' time for
# 0.89x the wall time, and two workers then got in each other's way. The same variables are read once,
# when the libraries load, so they are set here, before any engine module imports them.
ENGINE_THREADS = os.environ.get("DNAPORTAL_ENGINE_THREADS", "").strip() or "1"
if not ENGINE_THREADS.isdigit() or int(ENGINE_THREADS) < 1:
    raise ValueError(f"DNAPORTAL_ENGINE_THREADS must be a whole number of 1 or more, not {ENGINE_THREADS!r}.")
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, ENGINE_THREADS)

import cv2  # noqa: E402  (after the variables above, which cv2 reads as it loads)

cv2.setNumThreads(int(ENGINE_THREADS))


# A search makes a few MB of temporary arrays. glibc serves allocations over its threshold (128 KB, then
# adjusted) with fresh pages and gives memory at the top of the heap back at once, so each search
# faulted its temporaries' pages in again: at 10 M pictures ~2,300 page faults and ~4 ms of CPU a query
# (bench/scale_image.py arrays; 390,000 minor faults per 168 queries, 30 with these settings). Freed
# memory is kept for the next search instead, up to 128 MB a process. The MALLOC_*_ variables, where
# set, override this.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
KEPT_FREE_BYTES, MMAP_FROM_BYTES = 128 << 20, 32 << 20


def _keep_freed_memory() -> None:
    if "MALLOC_TRIM_THRESHOLD_" in os.environ or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: its own allocator's defaults
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_FROM_BYTES)
    mallopt(M_TRIM_THRESHOLD, KEPT_FREE_BYTES)


_keep_freed_memory()
