"""A line along a still picture (engine/video/verify.py, centred_on_still): every line that keeps a
still query inside the library's still shot agrees with it, and ties between equally close frames
decide which one the votes pick; the line is moved by whole query steps to where all frames agree."""

import numpy as np

from engine.video.verify import MAX_BITS, STILL_SHIFT_STEPS, Query, centred_on_still, distance_along

STEP = 0.2
rng = np.random.default_rng(3)
STILL = rng.integers(0, 2**63, dtype=np.uint64)
# A library video: 10 s of moving pictures, a 4 s still shot (10.0-13.8 s), 6 s of moving pictures.
LIBRARY_TIMES = np.arange(100) * STEP
LIBRARY = rng.integers(0, 2**63, (100, 1), dtype=np.uint64)
LIBRARY[50:70, 0] = STILL
WINDOWS = [(LIBRARY, LIBRARY_TIMES)]


def _query(codes: np.ndarray) -> Query:
    times = np.arange(len(codes)) * STEP
    return Query(
        code_sets=[codes],
        reach=[None],
        certain=1,
        times=times,
        confident=np.ones(len(codes), bool),
        detailed=np.ones(len(codes), bool),
        step=STEP,
    )


def _agreeing(query: Query, line) -> int:
    distances = distance_along(query.code_sets, query.times, LIBRARY, LIBRARY_TIMES, line)
    return int((distances <= MAX_BITS).sum())


def test_a_line_along_a_still_picture_is_moved_by_whole_steps_to_where_all_its_frames_agree():
    query = _query(np.full(20, STILL, np.uint64))  # the still shot, 4 s
    early = (1.0, 8.4)  # as a tie may put it: 1.6 s early, a third of the frames outside the shot
    assert _agreeing(query, early) < 20
    scale, offset = centred_on_still(query, WINDOWS, early)
    steps = (offset - early[1]) / STEP
    assert scale == 1.0 and abs(steps - round(steps)) < 1e-9 and 0 < round(steps) <= STILL_SHIFT_STEPS
    assert _agreeing(query, (scale, offset)) == 20


def test_a_line_along_moving_pictures_is_left_where_it_is_though_another_agrees_more():
    # 1.6 s of the moving pictures from 4.0 s, then a cut to 2.4 s of them from 6.8 s: the second part
    # lies along a line 1.2 s (6 steps) later, which more frames agree with; its own line is for the
    # segments to find, not for this correction of stills.
    query = _query(np.concatenate([LIBRARY[20:28, 0], LIBRARY[34:46, 0]]))
    line = (1.0, 4.0)
    assert _agreeing(query, line) == 8 and _agreeing(query, (1.0, 5.2)) == 12
    assert centred_on_still(query, WINDOWS, line) == line
