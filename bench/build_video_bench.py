"""Build the video benchmark of issue #3 from the shared corpus video set.

Usage: python -m bench.build_video_bench CORPUS_VIDEO_DIR OUT_DIR [--seed 7]

CORPUS_VIDEO_DIR is `bench/build_corpus.sh DIR SEED video` output. Its library videos are joined
into one reference of over 10 minutes (all of the real footage there is, each source once, with two
seconds of black between sources as a broadcast has); positives are 5-30 s
excerpts of them under each edit the issue lists (alone and in pairs); negatives are the corpus's own
negative queries (held-out footage) under the same edits, plus clips made only of black frames, fades,
a static title card and colour bars. Ground truth in the corpus format (ground_truth.json), scored by
`python -m bench.eval_video OUT_DIR`.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import av
import cv2
import numpy as np

from bench.video_files import write_h264

W, H, FPS = 640, 360, 25


def frames_of(path: Path):
    """All frames of a video at W x H, resampled to FPS (nearest frame in time)."""
    times, images = [], []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is None:
                continue
            times.append(frame.time)
            images.append(_fit(frame.to_ndarray(format="rgb24")))
    if not images:
        return []
    at = np.array(times) - times[0]
    count = int(at[-1] * FPS) + 1
    return [images[int(np.argmin(np.abs(at - k / FPS)))] for k in range(count)]


def _fit(image: np.ndarray) -> np.ndarray:
    """Letterbox/pillarbox into W x H (sources have many aspect ratios)."""
    h, w = image.shape[:2]
    scale = min(W / w, H / h)
    inner = cv2.resize(image, (max(2, int(w * scale)), max(2, int(h * scale))), interpolation=cv2.INTER_AREA)
    out = np.zeros((H, W, 3), np.uint8)
    top, left = (H - inner.shape[0]) // 2, (W - inner.shape[1]) // 2
    out[top : top + inner.shape[0], left : left + inner.shape[1]] = inner
    return out


def write(path: Path, frames, fps: float = FPS, kbps: int = 900) -> None:
    write_h264(path, frames, fps, kbps * 1000)


# -- edits: each maps a list of frames to (frames, fps, kbps, time scale); None keeps the fps or kbps
# the frames had (so "fps10" then "hflip" stays a 10 fps file) --------------------------------------


def _per_frame(fn):
    return lambda frames, rng: ([fn(f, rng) for f in frames], None, None, 1.0)


def _crop(share):
    def edit(frames, rng):
        h, w = int(H * share), int(W * share)
        top, left = rng.randint(0, H - h), rng.randint(0, W - w)
        return [cv2.resize(f[top : top + h, left : left + w], (W, H)) for f in frames], None, None, 1.0

    return edit


def _pip(frames, rng):
    backdrop = rng.choice(BACKDROPS)
    scale = 0.45
    h, w = int(H * scale), int(W * scale)
    top, left = rng.randint(0, H - h), rng.randint(0, W - w)
    out = []
    for k, f in enumerate(frames):
        canvas = backdrop[k % len(backdrop)].copy()
        canvas[top : top + h, left : left + w] = cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA)
        out.append(canvas)
    return out, None, None, 1.0


def _speed(factor):
    def edit(frames, rng):
        # Played `factor` times as fast: query second t shows source second t * factor.
        count = int(len(frames) / factor)
        return [frames[min(len(frames) - 1, int(k * factor))] for k in range(count)], None, None, factor

    return edit


def _overlay(f, rng):
    out = f.copy()
    out[int(H * 0.85) :] = (out[int(H * 0.85) :] * 0.35).astype(np.uint8)
    cv2.putText(
        out, "Subscribe for more clips", (12, H - 16), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2
    )
    cv2.rectangle(out, (W - 110, 12), (W - 12, 60), (20, 120, 230), -1)
    cv2.putText(out, "NEWS", (W - 100, 47), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255, 255, 255), 2)
    return out


def _letterbox(f, rng):
    inner = cv2.resize(f, (W, int(H * 0.7)))
    out = np.zeros_like(f)
    out[(H - inner.shape[0]) // 2 : (H - inner.shape[0]) // 2 + inner.shape[0]] = inner
    return out


def _gamma(f, rng):
    table = np.clip(((np.arange(256) / 255.0) ** 0.7) * 255 * 1.1 - 10, 0, 255).astype(np.uint8)
    return cv2.LUT(f, table)


EDITS = {
    "reencode": lambda frames, rng: (frames, None, 150, 1.0),
    "scale_quarter": _per_frame(lambda f, rng: cv2.resize(cv2.resize(f, (W // 4, H // 4)), (W, H))),
    "crop30": _crop(0.7),
    "letterbox": _per_frame(_letterbox),
    "brightness_gamma": _per_frame(_gamma),
    "greyscale": _per_frame(lambda f, rng: np.repeat(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)[:, :, None], 3, 2)),
    "overlay": _per_frame(_overlay),
    "hflip": _per_frame(lambda f, rng: np.ascontiguousarray(f[:, ::-1])),
    "fps10": lambda frames, rng: (
        [frames[int(k * FPS / 10)] for k in range(int(len(frames) * 10 / FPS))],
        10,
        None,
        1.0,
    ),
    "speed+10%": _speed(1.1),
    "speed-10%": _speed(0.9),
    "pip45": _pip,
}
PAIRS = [
    ("crop30", "overlay"),
    ("hflip", "reencode"),
    ("letterbox", "brightness_gamma"),
    ("speed+10%", "greyscale"),
    ("scale_quarter", "overlay"),
    ("fps10", "hflip"),
]
BACKDROPS: list[list[np.ndarray]] = []


def low_information(rng) -> list[np.ndarray]:
    """Black, a fade, a static title card and colour bars: frames any two videos may share."""
    black = np.zeros((H, W, 3), np.uint8)
    card = np.full((H, W, 3), rng.choice([(20, 30, 90), (240, 240, 240), (90, 10, 10)]), np.uint8)
    cv2.putText(
        card,
        rng.choice(["CHAPTER ONE", "THE END", "Coming up next"]),
        (120, 190),
        cv2.FONT_HERSHEY_SIMPLEX,
        1.4,
        (255, 255, 0),
        3,
    )
    bars = np.zeros((H, W, 3), np.uint8)
    for i, colour in enumerate(
        [(192, 192, 192), (192, 192, 0), (0, 192, 192), (0, 192, 0), (192, 0, 192), (192, 0, 0), (0, 0, 192)]
    ):
        bars[:, i * W // 7 : (i + 1) * W // 7] = colour
    fade = [(card.astype(np.float32) * a).astype(np.uint8) for a in np.linspace(1, 0, FPS)]
    parts = [[black] * FPS * 2, [card] * FPS * 3, fade, [bars] * FPS * 2, [black] * FPS]
    rng.shuffle(parts)
    return [f for part in parts for f in part]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    truth_in = json.loads((args.corpus / "ground_truth.json").read_text())
    items = [i for i in truth_in["library"] if i["modality"] == "video"]
    rng.shuffle(items)
    library, references = [], []
    for n, half in enumerate([items], start=1):
        # Each reference opens with black, a title card, a fade and colour bars, as broadcasts do: the
        # low-information negatives share exactly these frames.
        frames, spans = low_information(random.Random(n)), []
        for item in half:
            clip = frames_of(args.corpus / item["path"])
            frames += [np.zeros((H, W, 3), np.uint8)] * (2 * FPS)
            spans.append((len(frames) / FPS, (len(frames) + len(clip)) / FPS, item["source_key"]))
            frames += clip
        path = args.out / "library" / "video" / f"reference_{n}.mp4"
        write(path, frames)
        library.append(
            {
                "id": f"reference_{n}",
                "modality": "video",
                "path": str(path.relative_to(args.out)),
                "duration": len(frames) / FPS,
                "parts": spans,
            }
        )
        references.append(frames)
        print(f"reference_{n}: {len(frames) / FPS / 60:.1f} min from {len(half)} sources", flush=True)

    negatives_in = [q for q in truth_in["queries"] if q["modality"] == "video" and q["negative"]]
    BACKDROPS.extend(frames_of(args.corpus / q["path"]) for q in negatives_in[:6])
    queries = []

    def add(frames, fps, kbps, kind, edits, matches, negative):
        qid = f"q_{len(queries) + 1:04d}"
        path = args.out / "query" / "video" / f"{qid}-{'+'.join(edits) or kind}.mp4"
        write(path, frames, fps, kbps)
        queries.append(
            {
                "id": qid,
                "modality": "video",
                "path": str(path.relative_to(args.out)),
                "kind": kind,
                "negative": negative,
                "duration": len(frames) / fps,
                "transforms": [{"op": e} for e in edits] or [{"op": "excerpt_only"}],
                "matches": matches,
            }
        )

    plans = [(e,) for e in EDITS for _ in range(9)] + [p for p in PAIRS for _ in range(3)]
    for edits in plans:
        r = rng.randrange(len(references))
        reference = references[r]
        length = rng.uniform(5, 30)
        start = rng.uniform(0, len(reference) / FPS - length - 1)
        frames = reference[int(start * FPS) : int((start + length) * FPS)]
        fps, kbps, scale = FPS, 900, 1.0
        for edit in edits:
            frames, new_fps, new_kbps, factor = EDITS[edit](frames, rng)
            fps, kbps, scale = new_fps or fps, new_kbps or kbps, scale * factor
        duration = len(frames) / fps
        add(
            frames,
            fps,
            kbps,
            "single",
            list(edits),
            [
                {
                    "library_id": f"reference_{r + 1}",
                    "query_start": 0.0,
                    "query_end": duration,
                    "library_start": start,
                    "library_end": start + duration * scale,
                    "time_scale": scale,
                }
            ],
            False,
        )
    for q in negatives_in:
        base = frames_of(args.corpus / q["path"])
        for edit in rng.sample(list(EDITS), 3) + [None]:
            frames, fps, kbps = base, FPS, 900
            if edit:
                frames, new_fps, new_kbps, _ = EDITS[edit](base, rng)
                fps, kbps = new_fps or fps, new_kbps or kbps
            add(frames, fps, kbps, "negative", [edit] if edit else [], [], True)
    for _ in range(20):
        add(low_information(rng), FPS, 900, "low_information", ["low_information"], [], True)
    (args.out / "ground_truth.json").write_text(
        json.dumps(
            {
                "format_version": 1,
                "seed": args.seed,
                "source_corpus_seed": truth_in.get("seed"),
                "conventions": truth_in.get("conventions"),
                "library": library,
                "queries": queries,
            },
            indent=1,
        )
    )
    print(f"{len(queries)} queries ({sum(q['negative'] for q in queries)} negative)")


if __name__ == "__main__":
    main()
