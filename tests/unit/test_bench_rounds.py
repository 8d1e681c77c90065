"""A benchmark measured in rounds (the value and its baseline in turn, so that a slow moment
of the machine hits both) reports the baseline's median at the median of the rounds'
ratios, not the best of either side."""

from __future__ import annotations

from bench.harness import of_rounds


def test_a_line_of_rounds_is_the_median_ratio_to_the_median_baseline() -> None:
    line, by_round = of_rounds("w", "events/s", [10, 30, 20], "raw", [20, 40, 100], 0.6)
    assert line.baseline_value == 40
    assert line.ratio == 0.5  # the ratios were 0.5, 0.75 and 0.2
    assert line.value == 20
    assert line.meets is False
    assert by_round == "10.00/20.00 = 0.50, 30.00/40.00 = 0.75, 20.00/100 = 0.20"


def test_a_single_round_is_reported_as_measured() -> None:
    line, _ = of_rounds("w", "events/s", [2_500], "raw", [5_000])
    assert (line.value, line.baseline_value, line.meets) == (2_500, 5_000, None)
