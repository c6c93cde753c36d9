"""Speech (media type `asr`): how well the built-in recogniser hears, and whether re-voiced passages are
found, measured on real and synthetic speech. Needs Debian's espeak-ng; not run by `make test`.

    python -m bench.eval_speech recognition [--corpus ../shared/corpus]
    python -m bench.eval_speech passages --seed 1 [--items 20] [--workers 2]

recognition: word error rate of the recogniser on the LJ Speech clips of the corpus (a real reader,
against metadata.csv's normalised transcripts) and on espeak-ng readings of the same transcripts in
three voices; real-time factor as CPU time over audio time, one process.

passages: a library of Gutenberg passages (about 120 words each) read by espeak-ng voices, and queries
made of a passage's middle 45 words read by another voice at another pace (0.85x to 1.2x the library
item's words a minute), clean, with white noise at 10 dB and 5 dB SNR, and embedded between two
stretches of unrelated speech; negatives are passages of books not in the library. Each query is
searched by the speech fingerprints (what an `asr` job does) and by the audio fingerprints of the same
files (what an `audio` job does). A query is right when its best match is its passage's item and the
matched library stretch overlaps the copied one; boundaries are within 1.5 s when both library ends are.
Seeds choose books, passages, voices and paces: seed 1 is the one the index was tuned on, others are
held out. Results are printed as a Markdown table; docs/evaluation.md ("Speech") keeps them.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import re
import subprocess
import time
import wave
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from engine import registry
from engine.audio.examples import write_wav
from engine.base import Fingerprint, MediaError, MediaInput

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
RATE = 16000
VOICES = ("en-us+klatt", "en-us", "en-us+klatt4", "en-gb-x-rp+klatt2", "en-us+m3")
LIBRARY_WPM = 150
CONDITIONS = ("clean", "noise10", "noise5", "embedded")
TOLERANCE = 1.5


def speak(text: str, voice: str, wpm: int) -> np.ndarray:
    """espeak-ng's reading at RATE, float32."""
    # The text on standard input: a passage starting with "-" is not taken for an option.
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", "--stdin"],
        input=text.encode(),
        capture_output=True,
        check=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as clip:
        rate = clip.getframerate()
        samples = np.frombuffer(clip.readframes(clip.getnframes()), "<i2").astype(np.float32) / 32768
    import librosa

    return librosa.resample(samples, orig_sr=rate, target_sr=RATE).astype(np.float32)


# -- recognition ---------------------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance over words."""
    row = list(range(len(hypothesis) + 1))
    for i, said in enumerate(reference, 1):
        new = [i]
        for j, heard in enumerate(hypothesis, 1):
            new.append(min(row[j] + 1, new[j - 1] + 1, row[j - 1] + (said != heard)))
        row = new
    return row[-1]


def recognise(samples: np.ndarray) -> tuple[list[str], float]:
    from engine.speech.recognisers import configured

    began = time.process_time()
    recogniser = configured()
    for start in range(0, len(samples), 30 * RATE):
        recogniser.feed(samples[start : start + 30 * RATE])
    heard = [word.text for word in recogniser.finish()]
    return heard, time.process_time() - began


def recognition(corpus: Path) -> None:
    from engine.decode import sound_samples

    folder = corpus / "media" / "coqui-ai__TTS" / "tests" / "data" / "ljspeech"
    rows = list(csv.reader(open(folder / "metadata.csv", encoding="utf-8"), delimiter="|"))
    sets = {
        "LJ Speech (real reader)": [
            (sound_samples(folder / "wavs" / f"{r[0]}.wav", RATE), r[2]) for r in rows
        ]
    }
    for voice, wpm in (("en-us+klatt", 150), ("en-us", 175), ("en-gb-x-rp+klatt2", 140)):
        sets[f"espeak-ng {voice} {wpm} wpm"] = [(speak(r[2], voice, wpm), r[2]) for r in rows]
    print("| speech | clips | audio | word error rate | real-time factor (CPU) |")
    print("|---|---|---|---|---|")
    for name, clips in sets.items():
        errors = words = 0
        cpu = audio = 0.0
        for samples, transcript in clips:
            heard, seconds = recognise(samples)
            reference = words_of(transcript)
            errors += word_errors(reference, heard)
            words += len(reference)
            cpu += seconds
            audio += len(samples) / RATE
        print(f"| {name} | {len(clips)} | {audio:.0f} s | {errors / words:.3f} | {cpu / audio:.3f} |")


# -- passages ------------------------------------------------------------------------------------------


def book_sentences(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    start, end = text.find("*** START OF"), text.find("*** END OF")
    body = text[text.index("\n", start) if start >= 0 else 0 : end if end > 0 else len(text)]
    body = re.sub(r"\s+", " ", body)
    sentences = re.split(r"(?<=[.!?])\s+", body)
    # Prose only: sentences of ordinary words (no tables, headings or numbers).
    return [s for s in sentences if 8 <= len(s.split()) <= 40 and re.fullmatch(r"[A-Za-z ,;:'.!?\"-]+", s)]


def passages_of(sentences: list[str], rng: random.Random, count: int, words: int) -> list[str]:
    found = []
    for _ in range(count * 20):
        if len(found) == count:
            break
        first = rng.randrange(len(sentences))
        taken, total = [], 0
        for sentence in sentences[first:]:
            taken.append(sentence)
            total += len(sentence.split())
            if total >= words:
                found.append(" ".join(taken))
                break
    return found


def noisy(samples: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(len(samples)).astype(np.float32)
    power = np.mean(samples**2) / 10 ** (snr_db / 10)
    return samples + noise * np.sqrt(power / np.mean(noise**2))


def build(seed: int, items: int, work: Path, negatives: int | None = None) -> tuple[list[dict], list[dict]]:
    """Library items and queries (files under `work`) with what each query copies; as many unrelated
    readings as items unless told (drawn last, so more of them change nothing else)."""
    rng = random.Random(seed)
    noise_rng = np.random.default_rng(seed)
    books = sorted((CORPUS / "media").glob("GITenberg__*/*.txt"))
    rng.shuffle(books)
    usable = [(b, s) for b in books if len(s := book_sentences(b)) > 200]
    library_books, other_books = usable[: len(usable) // 2], usable[len(usable) // 2 :]
    library, queries = [], []
    per_book = max(1, -(-items // len(library_books)))
    for _, sentences in library_books:
        for text in passages_of(sentences, rng, per_book, 120):
            if len(library) == items:
                break
            voice = rng.choice(VOICES)
            words = text.split()
            begin = rng.randrange(10, len(words) - 55)
            # The item is read in three parts (before, the excerpt queries copy, after), so where the
            # excerpt lies in it is known exactly.
            parts = [
                " ".join(words[:begin]),
                " ".join(words[begin : begin + 45]),
                " ".join(words[begin + 45 :]),
            ]
            readings = [speak(part, voice, LIBRARY_WPM) for part in parts]
            path = write_wav(work / f"item{len(library):03d}.wav", np.concatenate(readings), RATE)
            library.append(
                {
                    "id": f"item{len(library):03d}",
                    "path": path,
                    "excerpt": parts[1],
                    "voice": voice,
                    "library_start": len(readings[0]) / RATE,
                    "library_end": (len(readings[0]) + len(readings[1])) / RATE,
                }
            )
    for item in library:
        excerpt = item["excerpt"]
        voice = rng.choice([v for v in VOICES if v != item["voice"]])
        pace = rng.uniform(0.85, 1.2)
        spoken = speak(excerpt, voice, int(LIBRARY_WPM * pace))
        filler_text = passages_of(rng.choice(other_books)[1], rng, 1, 30)[0]
        filler = speak(filler_text, rng.choice(VOICES), LIBRARY_WPM)
        for condition in CONDITIONS:
            samples = {
                "clean": spoken,
                "noise10": noisy(spoken, 10, noise_rng),
                "noise5": noisy(spoken, 5, noise_rng),
                "embedded": np.concatenate([filler[: len(filler) // 2], spoken, filler[len(filler) // 2 :]]),
            }[condition]
            name = f"q-{item['id']}-{condition}"
            queries.append(
                {
                    "id": name,
                    "path": write_wav(work / f"{name}.wav", samples, RATE),
                    "item": item["id"],
                    "condition": condition,
                    "library_start": item["library_start"],
                    "library_end": item["library_end"],
                    "pace": round(pace, 2),
                }
            )
    for number in range(len(library) if negatives is None else negatives):
        book, sentences = rng.choice(other_books)
        text = passages_of(sentences, rng, 1, 45)[0]
        name = f"neg{number:03d}"
        path = write_wav(work / f"{name}.wav", speak(text, rng.choice(VOICES), LIBRARY_WPM), RATE)
        queries.append({"id": name, "path": path, "item": "", "condition": "unrelated"})
    return library, queries


def _fingerprint(job: tuple[str, Path, bool]):
    """A file's fingerprint, kept beside it (re-running the scoring costs no recognition), with the
    CPU time it took when it was made."""
    name, path, query = job
    fingerprinter = registry.named(name)
    content = hashlib.sha256(path.read_bytes()).hexdigest()[:12]  # a rebuilt file is fingerprinted again
    kept = path.with_name(f"{path.stem}.{content}.{name}-v{fingerprinter.version}{'-q' if query else ''}.npz")
    if kept.exists():
        with np.load(kept, allow_pickle=False) as stored:
            seconds, code = float(stored["seconds"]), str(stored["code"])
            data = stored["data"].tobytes()
        made = (
            Fingerprint(name, fingerprinter.version, data, json.loads(str(stored_meta(kept))))
            if data
            else None
        )
        return made, code, seconds
    began = time.process_time()
    try:
        made, code = fingerprinter.extract(MediaInput(path=path), query=query), ""
    except MediaError as exc:
        made, code = None, exc.code
    seconds = time.process_time() - began
    data = np.frombuffer(made.data, np.uint8) if made else np.zeros(0, np.uint8)
    meta = json.dumps(made.meta if made else {})
    np.savez(kept, data=data, seconds=seconds, code=code, meta=meta)
    return made, code, seconds


def stored_meta(kept: Path) -> str:
    with np.load(kept, allow_pickle=False) as stored:
        return str(stored["meta"])


def evaluate(name: str, library: list[dict], queries: list[dict], workers: int) -> dict:
    fingerprinter = registry.named(name)
    with Pool(workers) as pool:
        items = pool.map(_fingerprint, [(name, item["path"], False) for item in library])
        asked = pool.map(_fingerprint, [(name, query["path"], True) for query in queries])
    index = fingerprinter.new_index()
    for item, (made, _, _) in zip(library, items, strict=True):
        if made is not None:
            index.add(item["id"], registry.storable(made))
    track = fingerprinter.track.name
    results, shown = {}, {}
    for query, (made, code, _) in zip(queries, asked, strict=True):
        hits = index.search(made) if made is not None else []
        results[query["id"]] = (hits[0] if hits else None, code)
        shown[query["id"]] = [
            {
                "key": hit.key,
                "similarity": hit.similarity,
                "segments": [s.as_dict() for s in hit.segments.get(track, [])],
            }
            for hit in hits[:3]
        ]
    (library[0]["path"].parent / f"results-{name}.json").write_text(json.dumps(shown, indent=1))
    cpu = sum(seconds for _, _, seconds in items + asked)
    audio = sum(len_seconds(q["path"]) for q in queries) + sum(len_seconds(i["path"]) for i in library)
    return {"results": results, "track": track, "rtf": cpu / audio}


def len_seconds(path: Path) -> float:
    with wave.open(str(path)) as clip:
        return clip.getnframes() / clip.getframerate()


def score(library: list[dict], queries: list[dict], run: dict) -> dict[str, str]:
    rows = {}
    for condition in (*CONDITIONS, "unrelated"):
        chosen = [q for q in queries if q["condition"] == condition]
        right = bounded = 0
        for query in chosen:
            best, _ = run["results"][query["id"]]
            if condition == "unrelated":
                right += best is not None  # a false alarm
                continue
            if best is None or best.key != query["item"]:
                continue
            stretches = best.segments.get(run["track"], [])
            start = min((s.library_start for s in stretches), default=0.0)
            end = max((s.library_end for s in stretches), default=0.0)
            if stretches and start < query["library_end"] and end > query["library_start"]:
                right += 1
                bounded += abs(start - query["library_start"]) <= TOLERANCE and (
                    abs(end - query["library_end"]) <= TOLERANCE
                )
            elif not stretches:  # whole-item matches (none here) count as right
                right += 1
        if condition == "unrelated":
            rows[condition] = f"{right}/{len(chosen)} false alarms"
        else:
            rows[condition] = f"{right / len(chosen):.2f} ({bounded}/{right} within {TOLERANCE} s)"
    return rows


def passages(seed: int, items: int, workers: int, negatives: int | None = None) -> None:
    work = REPO / "bench" / "data" / "speech" / f"seed{seed}"
    work.mkdir(parents=True, exist_ok=True)
    library, queries = build(seed, items, work, negatives)
    print(f"seed {seed}: {len(library)} library items, {len(queries)} queries")
    print("| engine | " + " | ".join((*CONDITIONS, "unrelated")) + " | CPU / audio |")
    print("|---|" + "---|" * (len(CONDITIONS) + 2))
    for name, label in (("speech-phones4", "asr (speech)"), ("audio-bands", "audio")):
        run = evaluate(name, library, queries, workers)
        rows = score(library, queries, run)
        cells = " | ".join(rows[c] for c in (*CONDITIONS, "unrelated"))
        print(f"| {label} | {cells} | {run['rtf']:.3f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    rec = sub.add_parser("recognition")
    rec.add_argument("--corpus", type=Path, default=CORPUS)
    found = sub.add_parser("passages")
    found.add_argument("--seed", type=int, default=1)
    found.add_argument("--items", type=int, default=20)
    found.add_argument("--workers", type=int, default=2)
    found.add_argument("--negatives", type=int, help="unrelated readings (default: as many as items)")
    args = parser.parse_args()
    if args.what == "recognition":
        recognition(args.corpus)
    else:
        passages(args.seed, args.items, args.workers, args.negatives)


if __name__ == "__main__":
    main()
