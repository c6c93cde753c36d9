"""Queries for the audio benchmark, drawn with our own seed from the shared audio-bench corpus.

    python -m bench.make_audio_queries CORPUS_DIR OUT_DIR --seed 21

CORPUS_DIR holds what ../shared/corpus/audio-bench/build_corpus.py made there (corpus.csv and
corpus/); OUT_DIR gets a link to its corpus/, a copy of corpus.csv, and the queries. For every
library item (positives) and held-out item (negatives) and each duration, one excerpt start is drawn
(silent excerpts are redrawn) and the excerpt is rendered under the 14 conditions the anchors were
measured on. The output is the shared harness's format, so its score.py scores our
predictions: OUT_DIR/queries.csv (qid, cond, path, role, item, t0, dur, time_scale) and
OUT_DIR/queries/<cond>/<item>__d<dur>.<ext>. Ground truth: query time tau is reference time
t0 + time_scale * tau.

Tools: sox (speed, tempo, pitch, band-pass), lame, oggenc, ffmpeg (excerpt decoding).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

RATE = 44100
CONDITIONS = (
    "clean",
    "wn10",
    "wn5",
    "wn0",
    "pink0",
    "mp3_32k",
    "ogg_qm1",
    "gain_m12",
    "clip_p9",
    "speed_p5",
    "speed_m5",
    "tempo_p5",
    "pitch_p1",
    "phone_wn10",
)
TIME_SCALE = {"speed_p5": 1.05, "speed_m5": 0.95, "tempo_p5": 1.05}
SUFFIX = {"mp3_32k": "mp3", "ogg_qm1": "ogg"}
QUIET_DB = -40.0


def _run(command: list[str]) -> bytes:
    done = subprocess.run(command, capture_output=True)
    if done.returncode:
        raise RuntimeError(f"{command[0]} failed: {done.stderr.decode(errors='replace')[-500:]}")
    return done.stdout


def _decode(path: Path, start: float, seconds: float, rate: int = RATE) -> np.ndarray:
    raw = _run(
        ["ffmpeg", "-v", "error", "-nostdin", "-ss", f"{start:.4f}", "-t", f"{seconds:.4f}"]
        + ["-i", str(path), "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"]
    )
    return np.frombuffer(raw, np.float32).astype(np.float64)


def _write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> None:
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())


def _rng(*parts) -> np.random.Generator:
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _level_db(samples: np.ndarray) -> float:
    return 10 * np.log10(np.mean(samples**2) + 1e-20)


def _with_noise(samples: np.ndarray, snr_db: float, rng: np.random.Generator, pink: bool = False):
    noise = rng.standard_normal(len(samples))
    if pink:  # 1/f power: scale the spectrum by 1/sqrt(f)
        spectrum = np.fft.rfft(noise)
        spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1.0))
        noise = np.fft.irfft(spectrum, n=len(samples))
    noise *= np.sqrt(np.mean(samples**2) / (np.mean(noise**2) * 10 ** (snr_db / 10)))
    mixed = samples + noise
    peak = np.abs(mixed).max()
    return mixed * (0.99 / peak) if peak > 0.99 else mixed  # scale, not clip: the SNR stays


def _sox(samples: np.ndarray, effects: list[str], scratch: Path, rate: int = RATE) -> np.ndarray:
    source, target = scratch / "in.wav", scratch / "out.wav"
    _write_wav(source, samples)
    _run(["sox", "-q", str(source), "-r", str(rate), str(target), *effects])
    with wave.open(str(target)) as handle:
        pcm = np.frombuffer(handle.readframes(handle.getnframes()), "<i2")
    return pcm.astype(np.float64) / 32768


def _render(condition: str, excerpt: np.ndarray, longer: np.ndarray, target: Path, scratch: Path, rng):
    n = len(excerpt)
    rate = RATE
    if condition == "clean":
        out = excerpt
    elif condition in ("wn10", "wn5", "wn0"):
        out = _with_noise(excerpt, float(condition[2:]), rng)
    elif condition == "pink0":
        out = _with_noise(excerpt, 0.0, rng, pink=True)
    elif condition == "gain_m12":
        out = excerpt * 10 ** (-12 / 20)
    elif condition == "clip_p9":
        out = np.clip(excerpt * 10 ** (9 / 20), -1, 1)
    elif condition in ("speed_p5", "speed_m5"):
        # Played faster or slower: needs more (or less) source than the excerpt itself.
        out = _sox(longer, ["speed", str(TIME_SCALE[condition])], scratch)[:n]
    elif condition == "tempo_p5":
        out = _sox(longer, ["tempo", "1.05"], scratch)[:n]
    elif condition == "pitch_p1":
        out = _sox(excerpt, ["pitch", "100"], scratch)[:n]
    elif condition == "phone_wn10":
        rate = 8000
        out = _with_noise(_sox(excerpt, ["sinc", "300-3400"], scratch, rate=8000), 10.0, rng)
    else:  # lossy codecs: the encoder writes the query file itself
        source = scratch / "enc.wav"
        _write_wav(source, excerpt)
        if condition == "mp3_32k":
            _run(["lame", "--quiet", "-b", "32", "--cbr", "-m", "m", str(source), str(target)])
        else:
            _run(["oggenc", "--quiet", "-q", "-1", "-o", str(target), str(source)])
        return
    _write_wav(target, out, rate)


def _item_queries(job) -> list[dict]:
    row, root, seed, durations = job
    root = Path(root)
    source = root / row["path"]
    total = float(row["duration_s"])
    rows = []
    for seconds in durations:
        rng = _rng(seed, row["id"], seconds)
        longer_by = seconds * 0.06 + 0.2  # enough for the 1.05x variants
        chosen = None
        for _ in range(100):
            start = float(rng.uniform(1.0, max(1.0, total - seconds - longer_by - 1.0)))
            longer = _decode(source, start, seconds + longer_by)
            excerpt = longer[: seconds * RATE]
            if len(excerpt) == seconds * RATE and _level_db(excerpt) > QUIET_DB:
                chosen = (round(start, 3), excerpt, longer)
                break
        if chosen is None:
            print(f"no usable {seconds} s excerpt in {row['id']}", file=sys.stderr)
            continue
        start, excerpt, longer = chosen
        name = f"{row['id']}__d{seconds}"
        with tempfile.TemporaryDirectory() as scratch:
            for condition in CONDITIONS:
                folder = root / "queries" / condition
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"{name}.{SUFFIX.get(condition, 'wav')}"
                if not target.exists():
                    partial = folder / f".{name}.part.{SUFFIX.get(condition, 'wav')}"
                    _render(condition, excerpt, longer, partial, Path(scratch), _rng(seed, name, condition))
                    os.replace(partial, target)
                rows.append(
                    {
                        "qid": f"{condition}/{name}",
                        "cond": condition,
                        "path": str(target.relative_to(root)),
                        "role": "pos" if row["role"] == "library" else "neg",
                        "item": row["id"],
                        "t0": f"{start:.3f}",
                        "dur": seconds,
                        "time_scale": TIME_SCALE.get(condition, 1.0),
                    }
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus_dir", type=Path)
    parser.add_argument("bench_dir", type=Path)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--durations", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    args.bench_dir.mkdir(parents=True, exist_ok=True)
    link = args.bench_dir / "corpus"
    if not link.exists():
        link.symlink_to((args.corpus_dir / "corpus").resolve())
    shutil.copyfile(args.corpus_dir / "corpus.csv", args.bench_dir / "corpus.csv")
    with open(args.bench_dir / "corpus.csv", newline="") as handle:
        corpus = list(csv.DictReader(handle))
    jobs = [(row, str(args.bench_dir), args.seed, args.durations) for row in corpus]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = sorted((q for batch in pool.map(_item_queries, jobs) for q in batch), key=lambda q: q["qid"])
    with open(args.bench_dir / "queries.csv.tmp", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    os.replace(args.bench_dir / "queries.csv.tmp", args.bench_dir / "queries.csv")
    positives = sum(q["role"] == "pos" for q in rows)
    print(f"seed {args.seed}: {len(rows)} queries ({positives} positive, {len(rows) - positives} negative)")


if __name__ == "__main__":
    main()
