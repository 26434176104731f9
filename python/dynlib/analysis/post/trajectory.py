"""Statistics of recorded trajectories: extrema and when they occur, moments, percentiles,
threshold crossings and time spent above or below a level.

    res = sim.run(T=20.0)
    x = res.analyze("x")                  # TrajectoryAnalyzer
    x.max(), x.argmax()                   # 1.0, (t, value)
    x.zero_crossings(direction="up")      # interpolated crossing times (numpy array)
    res.analyze(["x", "v"]).mean()        # MultiVarAnalyzer: {"x": ..., "v": ...}

The API is the reference dynlib's; every statistic is computed in C++
(dynlib/trajectory_stats.hpp) through the extension's `_TrajectoryStats`. See
docs/trajectory-stats.md for the definitions and for what NaN samples do.
"""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from dynlib._dynlib import DynlibError, _TrajectoryStats

__all__ = ["TrajectoryAnalyzer", "MultiVarAnalyzer", "analyze_results"]


class TrajectoryAnalyzer:
    """Statistics of one variable's trajectory: data[i] sampled at time[i].

    Usually made by ``res.analyze("x")``; ``results_view`` is kept for reference only, the
    statistics read ``data`` and ``time`` (copied as float64 when the analyzer is made).
    Statistics of the values raise DynlibError when there are no samples.
    """

    def __init__(self, results_view, var_name: str, data, time):
        self._results = results_view
        self._var = var_name
        self._stats = _TrajectoryStats(str(var_name), time, data)

    @property
    def var(self) -> str:
        """The name of the analyzed variable, as given."""
        return self._var

    def __len__(self) -> int:
        return len(self._stats)

    def __repr__(self) -> str:
        return f"<TrajectoryAnalyzer {self._var!r}: {len(self._stats)} samples>"

    # ---- statistics of the values ----

    def max(self) -> float:
        """Largest value (NaN if any sample is NaN)."""
        return self._stats.max()

    def min(self) -> float:
        """Smallest value (NaN if any sample is NaN)."""
        return self._stats.min()

    def mean(self) -> float:
        """Mean of the samples (not time-weighted)."""
        return self._stats.mean()

    def std(self) -> float:
        """Population standard deviation of the samples (ddof=0)."""
        return self._stats.std()

    def variance(self) -> float:
        """Population variance of the samples (ddof=0)."""
        return self._stats.variance()

    def median(self) -> float:
        """Median of the samples (the mean of the two middle ones for an even count)."""
        return self._stats.median()

    def percentile(self, q: float) -> float:
        """The q-th percentile, q in [0, 100], by numpy's default (linear) method."""
        return self._stats.percentile(q)

    def range(self) -> float:
        """max() - min()."""
        return self._stats.range()

    # ---- extrema with their times ----

    def argmax(self) -> tuple[float, float]:
        """(time, value) of the first sample attaining the maximum."""
        return self._stats.argmax()

    def argmin(self) -> tuple[float, float]:
        """(time, value) of the first sample attaining the minimum."""
        return self._stats.argmin()

    # ---- first and last samples ----

    def initial(self) -> float:
        """The first recorded value."""
        return self._stats.initial()

    def final(self) -> float:
        """The last recorded value."""
        return self._stats.final()

    # ---- crossings and residence times ----

    def crossing_times(self, threshold: float, direction: str = "any") -> np.ndarray:
        """Times the trajectory crosses `threshold`, linearly interpolated between samples.

        direction: "up" (from below to at-or-above), "down" (the reverse) or "any".
        """
        return self._stats.crossing_times(threshold, direction)

    def zero_crossings(self, direction: str = "any") -> np.ndarray:
        """crossing_times(0.0, direction)."""
        return self._stats.crossing_times(0.0, direction)

    def time_above(self, threshold: float) -> float:
        """Total time with value >= threshold, under linear interpolation between samples."""
        return self._stats.time_above(threshold)

    def time_below(self, threshold: float) -> float:
        """Total time with value < threshold, under linear interpolation between samples."""
        return self._stats.time_below(threshold)

    # ---- summary ----

    def summary(self) -> dict[str, float]:
        """{min, max, mean, std, median, range, initial, final}."""
        return self._stats.summary()


class MultiVarAnalyzer:
    """The statistics of TrajectoryAnalyzer for several variables at once: each method returns
    {variable name: result}, in the order of `vars`.

    data has shape (samples, len(var_names)); column i is var_names[i], sampled at time.
    """

    def __init__(self, results_view, var_names: Sequence[str], data, time):
        self._results = results_view
        self._vars = tuple(var_names)
        columns = np.asarray(data)
        if columns.ndim != 2 or columns.shape[1] != len(self._vars):
            raise DynlibError(
                f"MultiVarAnalyzer: data must have shape (samples, {len(self._vars)}) for "
                f"{len(self._vars)} variables; got {columns.shape}"
            )
        self._analyzers = tuple(
            TrajectoryAnalyzer(results_view, name, columns[:, i], time)
            for i, name in enumerate(self._vars)
        )

    @property
    def vars(self) -> tuple[str, ...]:
        """The names of the analyzed variables, as given."""
        return self._vars

    def __repr__(self) -> str:
        return f"<MultiVarAnalyzer {self._vars}>"

    def _each(self, statistic, *args) -> dict:
        return {name: getattr(a, statistic)(*args) for name, a in zip(self._vars, self._analyzers)}

    def max(self) -> dict[str, float]:
        return self._each("max")

    def min(self) -> dict[str, float]:
        return self._each("min")

    def mean(self) -> dict[str, float]:
        return self._each("mean")

    def std(self) -> dict[str, float]:
        return self._each("std")

    def variance(self) -> dict[str, float]:
        return self._each("variance")

    def median(self) -> dict[str, float]:
        return self._each("median")

    def percentile(self, q: float) -> dict[str, float]:
        return self._each("percentile", q)

    def argmax(self) -> dict[str, tuple[float, float]]:
        return self._each("argmax")

    def argmin(self) -> dict[str, tuple[float, float]]:
        return self._each("argmin")

    def range(self) -> dict[str, float]:
        return self._each("range")

    def initial(self) -> dict[str, float]:
        return self._each("initial")

    def final(self) -> dict[str, float]:
        return self._each("final")

    def crossing_times(self, threshold: float, direction: str = "any") -> dict[str, np.ndarray]:
        return self._each("crossing_times", threshold, direction)

    def zero_crossings(self, direction: str = "any") -> dict[str, np.ndarray]:
        return self._each("crossing_times", 0.0, direction)

    def time_above(self, threshold: float) -> dict[str, float]:
        return self._each("time_above", threshold)

    def time_below(self, threshold: float) -> dict[str, float]:
        return self._each("time_below", threshold)

    def summary(self) -> dict[str, dict[str, float]]:
        """{variable: {min, max, mean, std, median, range, initial, final}}."""
        return self._each("summary")


def analyze_results(results, var: Union[str, Sequence[str], None] = None):
    """What ``results.analyze(var)`` returns: a TrajectoryAnalyzer for one name, a
    MultiVarAnalyzer for a sequence of names, or for None a MultiVarAnalyzer of the recorded
    states (of the recorded aux when no state was recorded)."""
    if var is None:
        names = tuple(results.state_names) or tuple(results.aux_names)
        if not names:
            raise DynlibError(
                "no recorded variables to analyze: the run recorded only time (record_vars=[]); "
                "record some or name them"
            )
        return MultiVarAnalyzer(results, names, results[list(names)], results.t)
    if isinstance(var, str):
        return TrajectoryAnalyzer(results, var, results[var], results.t)
    names = tuple(var)
    return MultiVarAnalyzer(results, names, results[list(names)], results.t)
