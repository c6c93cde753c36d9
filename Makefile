# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# What running needs, and what testing needs on top (each installed once per change of pyproject.toml).
RUN_STAMP := $(VENV)/.run-stamp
STAMP := $(VENV)/.test-stamp
PORT ?= 8000

.PHONY: run test browser test-browser screenshots lint format worker migrate superuser token bench bench-image-text bench-cjk-text bench-image-scale bench-video bench-audio bench-index clean

$(RUN_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

migrate: $(RUN_STAMP)
	$(PY) manage.py migrate --noinput

## Web server + worker cluster in one foreground process group (Ctrl-C stops both). It sets the data
## directory up (database, import root, secret key) on its first start.
run: $(RUN_STAMP)
	$(PY) manage.py runportal --port $(PORT)

## Tests run in TEST_WORKERS processes (each test isolated: its own data directory, database, queue
## name and ports); TEST_WORKERS=0 runs them in this one.
TEST_WORKERS ?= 2
test: $(STAMP) browser
	$(PY) -m pytest -m "not slow" -n $(TEST_WORKERS) $(PYTEST_ARGS)

## Debian's chromium + chromedriver for the browser tests (installed once; skipped with a reason if impossible).
browser:
	@bash tests/install_browser.sh

## Browser tests only, keeping their screenshots in artifacts/screenshots/; `make screenshots` also copies
## the review pages' screenshots into docs/screenshots/.
test-browser: $(STAMP) browser
	$(PY) -m pytest tests/browser $(PYTEST_ARGS)

screenshots: test-browser
	mkdir -p docs/screenshots
	cp artifacts/screenshots/review-*.png artifacts/screenshots/dashboard-1280.png artifacts/screenshots/audit.png docs/screenshots/

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## An extra worker cluster (run on other machines against the same DATABASE_URL / REDIS_URL).
worker: $(RUN_STAMP)
	$(PY) manage.py qcluster

superuser: $(RUN_STAMP)
	$(PY) manage.py createsuperuser

## An API token for an account of the portal: make token USER=alice ("Generated token <key> for user alice").
token: $(RUN_STAMP)
	@$(PY) manage.py drf_create_token $(USER)

bench: bench-image-text bench-cjk-text bench-image-scale bench-video bench-audio bench-index

## Image and text quality on the shared corpus: seed 1234 (the one tuned on), 99 and 2026 (held out
## until their misses were looked at on 2026-12-03), 4711 (its misses among 2,000 pictures listed late
## on 2026-12-03). Seed 5309 is held out for the next image change: run it once, after that change is
## chosen (`make bench-image-text BENCH_SEEDS=5309`).
BENCH_SEEDS ?= 1234 99 2026
bench-image-text: $(STAMP)
	@for seed in $(BENCH_SEEDS); do \
	  test -f bench/data/corpus-$$seed/ground_truth.json || bash bench/build_corpus.sh bench/data/corpus-$$seed $$seed image,text || exit 1; \
	  $(PY) -m bench.eval_image_text bench/data/corpus-$$seed --out docs/eval/image-text-seed$$seed.md || exit 1; \
	done

## Chinese text: fortunes-zh from Debian (fetched by the script), seeds 1 and 2.
bench-cjk-text: $(STAMP)
	@for seed in 1 2; do $(PY) -m bench.eval_cjk_text --seed $$seed --out docs/eval/cjk-text-seed$$seed.md || exit 1; done

## Image index at scale: seed-99 queries planted among synthetic fingerprints, one core (needs the corpus of
## bench-image-text; ~10 GB of disk under bench/data/image-scale for 10M items, deleted afterwards). Each
## size is also measured as the background merges leave it in segments (53 of them at 10M, at worst).
IMAGE_SCALE_SIZES ?= 10000 100000 1000000 3000000 10000000
bench-image-scale: $(STAMP)
	test -f bench/data/corpus-99/ground_truth.json || bash bench/build_corpus.sh bench/data/corpus-99 99 image,text
	taskset -c 0 $(PY) -m bench.scale_image bench/data/corpus-99 --sizes $(IMAGE_SCALE_SIZES) --segments --no-per-segment \
	  | tee docs/eval/image-scale.md

clean:
	rm -rf $(VENV) var .pytest_cache

## Video: the shared corpus video set, the issue-#3 benchmark built from it, speed and scale.
bench-video: $(STAMP)
	test -f bench/data/video-1234/ground_truth.json || bash bench/build_corpus.sh bench/data/video-1234 1234 video
	test -f bench/data/video-bench-7/ground_truth.json || $(PY) -m bench.build_video_bench bench/data/video-1234 bench/data/video-bench-7 --seed 7
	test -f bench/data/video-bench-11/ground_truth.json || $(PY) -m bench.build_video_bench bench/data/video-1234 bench/data/video-bench-11 --seed 11
	$(PY) -m bench.eval_video bench/data/video-1234 --name "shared corpus video set (seed 1234)" --out docs/eval/video-corpus-seed1234.md
	$(PY) -m bench.eval_video bench/data/video-bench-7 --name "issue #3 benchmark (bench/build_video_bench.py, seed 7, tuned on)" --out docs/eval/video-bench-seed7.md
	$(PY) -m bench.eval_video bench/data/video-bench-11 --name "issue #3 benchmark (bench/build_video_bench.py, seed 11, held out)" --out docs/eval/video-bench-seed11.md
	taskset -c 0 $(PY) -m bench.speed_video | tee docs/eval/video-speed.md
	$(PY) -m bench.scale_video 10 100 1000 10000 --segment-hours 1000 --build-only --jobs 1
	taskset -c 0 $(PY) -m bench.scale_video 10 100 1000 10000 --segment-hours 1000 --real bench/data/video-bench-11 --cache bench/data/video-cache | tee docs/eval/video-scale.md

## Audio: the shared audio-bench corpus with our queries, seed 21 (tuned on) and 22 (held out);
## speed on one core; latency and size at 100, 1,000 and 10,000 library hours (segment files of at
## most 1,000 hours, ~5 GB under bench/data/audio-segments).
bench-audio: $(STAMP)
	bash bench/build_audio_bench.sh bench/data 21 22
	$(PY) -m bench.eval_audio bench/data/audio-seed21 --out docs/eval/audio-seed21.md
	$(PY) -m bench.eval_audio bench/data/audio-seed22 --out docs/eval/audio-seed22.md
	taskset -c 0 $(PY) -m bench.speed_audio bench/data/audio | tee docs/eval/audio-speed.md
	taskset -c 0 $(PY) -m bench.scale_audio bench/data/audio-seed21 100 1000 10000 --segment-hours 1000 | tee docs/eval/audio-scale.md

## Shared indexes (issue #15): per-job overhead at 10 and 100,000 items, freshness, PSS of 4 workers
## on a 1,000 h video library, restart; then image jobs through the REST API on 2,000 real pictures,
## and the same library and queries replayed in the engine (seed 99; seed 4711's photos among them).
bench-index: $(STAMP)
	rm -rf bench/data/index-run && $(PY) -m bench.scale_index bench/data/index-run | tee docs/eval/index-scale.md
	test -f bench/data/corpus-99/ground_truth.json || bash bench/build_corpus.sh bench/data/corpus-99 99 image,text
	test -d bench/data/backgrounds || (mkdir -p bench/data/debs && cd bench/data/debs && \
	  apt-get download gnome-backgrounds plasma-workspace-wallpapers desktop-base && \
	  for f in *.deb; do dpkg -x $$f ../backgrounds; done)
	test -d bench/data/photos-2000 || $(PY) -m bench.build_photo_library bench/data/corpus-99 bench/data/photos-2000 \
	  --extra bench/data/backgrounds/usr/share
	$(PY) -m bench.api_images bench/data/photos-2000 bench/data/corpus-99 --out docs/eval/image-api-2000.md
	$(PY) -m bench.replay_photo_library bench/data/photos-2000 bench/data/corpus-99 \
	  --out docs/eval/image-replay-2000-seed99.md
	test -f bench/data/corpus-4711/ground_truth.json || bash bench/build_corpus.sh bench/data/corpus-4711 4711 image,text
	test -d bench/data/photos-2000-4711 || $(PY) -m bench.build_photo_library bench/data/corpus-4711 \
	  bench/data/photos-2000-4711 --extra bench/data/backgrounds/usr/share
	$(PY) -m bench.api_images bench/data/photos-2000-4711 bench/data/corpus-4711 --out docs/eval/image-api-2000-seed4711.md
	$(PY) -m bench.replay_photo_library bench/data/photos-2000-4711 bench/data/corpus-4711 \
	  --out docs/eval/image-replay-2000-seed4711.md
