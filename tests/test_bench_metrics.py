"""The VCSL segment metric used by the benchmarks, on hand-made cases."""

import pytest

from bench.metrics import boundary_errors, pair_scores, segment_scores


def test_a_perfect_prediction_scores_one():
    assert pair_scores([(0, 10, 100, 110)], [(0, 10, 100, 110)]) == (1.0, 1.0)


def test_half_overlap_on_both_axes_multiplies():
    p, r = pair_scores([(0, 10, 100, 110)], [(5, 15, 105, 115)])
    assert p == pytest.approx(0.25)
    assert r == pytest.approx(0.25)


def test_a_prediction_without_truth_counts_only_against_precision():
    scores = segment_scores([([(0, 1, 0, 1)], []), ([(0, 10, 0, 10)], [(0, 10, 0, 10)])])
    assert scores.precision == pytest.approx(0.5)
    assert scores.recall == pytest.approx(1.0)


def test_a_missed_truth_counts_only_against_recall():
    scores = segment_scores([([], [(0, 1, 0, 1)]), ([(0, 10, 0, 10)], [(0, 10, 0, 10)])])
    assert scores.precision == pytest.approx(1.0)
    assert scores.recall == pytest.approx(0.5)
    assert scores.f1 == pytest.approx(2 / 3)


def test_boxes_that_overlap_on_one_axis_only_do_not_hit():
    assert pair_scores([(0, 10, 500, 510)], [(0, 10, 100, 110)]) == (0.0, 0.0)


def test_two_predictions_covering_one_truth_box():
    p, r = pair_scores([(0, 5, 100, 105), (5, 10, 105, 110)], [(0, 10, 100, 110)])
    assert (p, r) == (pytest.approx(1.0), pytest.approx(1.0))
    assert boundary_errors([([(1, 5, 101, 105), (5, 9, 105, 109)], [(0, 10, 100, 110)])]) == [1, 1]
