#!/usr/bin/env bash
# Build the audio benchmark: the shared audio-bench corpus (../shared/corpus/audio-bench/build_corpus.py,
# 96 library tracks, 7.6 h, plus 15 held-out tracks) and our queries for the given seeds.
# Usage: bench/build_audio_bench.sh DATA_DIR SEED [SEED ...]
# The corpus reads installed Debian packages (dpkg -L), so they are installed here, with the tools.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
corpus="${DNAPORTAL_CORPUS:-$repo/../shared/corpus}"
data="${1:?usage: build_audio_bench.sh DATA_DIR SEED [SEED ...]}"
shift

packages=(ffmpeg sox lame vorbis-tools fluidsynth fluid-soundfont-gm espeak-ng
          wesnoth-1.16-music warzone2100-music openttd-openmsx)
missing=()
for pkg in "${packages[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
python3 -c "import numpy" 2>/dev/null || { echo "the shared scripts need numpy for python3" >&2; exit 1; }

mkdir -p "$data/audio"
[ -f "$data/audio/corpus.csv" ] || BENCH_DIR="$data/audio" python3 "$corpus/audio-bench/build_corpus.py" --jobs 2
for seed in "$@"; do
  [ -f "$data/audio-seed$seed/queries.csv" ] || \
    "$repo/.venv/bin/python" -m bench.make_audio_queries "$data/audio" "$data/audio-seed$seed" --seed "$seed" --jobs 2
done
