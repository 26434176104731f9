"""Parameter sweeps: one run per value of one param, on threads, reduced to a scalar per value
(scalar_sweep) or kept as trajectories (traj_sweep), with the reference dynlib's names.

    from dynlib import setup
    from dynlib.analysis import sweep
    sim = setup("builtin://map/logistic")
    res = sweep.traj_sweep(sim, param="r", values=np.linspace(2.8, 4, 2000), record_vars=["x"],
                           N=600, transient=500)
    diagram = res.bifurcation("x").tail(50)      # diagram.p, diagram.y

The runs are the C++ engine's run_batch (dynlib/sweep.hpp): every trajectory is exactly the run a
fresh Sim would make, so results do not depend on the number of threads. See docs/sweeps.md.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import _dynlib

__all__ = ["SweepResult", "TrajectoryPayload", "SweepRun", "SweepRunsView", "scalar_sweep",
           "traj_sweep"]


def _columns(names, var_index, record_vars):
    """Column indices of a name or a sequence of names (KeyError naming the unknown ones)."""
    wanted = (names,) if isinstance(names, str) else tuple(names)
    unknown = [name for name in wanted if name not in var_index]
    if unknown:
        raise KeyError(f"Unknown variable(s) {unknown}; available: {record_vars}")
    return [var_index[name] for name in wanted]


class SweepRun:
    """One run of a trajectory sweep: its param value, times and recorded variables by name."""

    def __init__(self, param_value, t, data, var_index, record_vars):
        self.param_value = param_value
        self.t = t
        self._data = data
        self._var_index = var_index
        self._record_vars = record_vars

    def __getitem__(self, key):
        cols = _columns(key, self._var_index, self._record_vars)
        return self._data[:, cols[0]] if len(cols) == 1 else self._data[:, cols]

    def __repr__(self):
        return (f"SweepRun(param={self.param_value}, t={self.t.shape[0]} points, "
                f"vars={self._record_vars})")


class SweepRunsView:
    """The runs of a trajectory sweep as a sequence of SweepRun."""

    def __init__(self, *, values, payload):
        self._values = values
        self._payload = payload

    def __len__(self):
        return len(self._values)

    def __getitem__(self, idx):
        n = len(self._values)
        if not -n <= idx < n:
            raise IndexError(f"Run index {idx} out of range [0, {n})")
        idx %= n
        p = self._payload
        return SweepRun(float(self._values[idx]), p.t_runs[idx], p.data[idx], p._var_index,
                        p.record_vars)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self):
        return f"SweepRunsView({len(self)} runs)"


class TrajectoryPayload:
    """The recorded samples of a trajectory sweep.

    record_vars: the recorded variables (column order); t_runs: one time array per run; data: one
    [samples, len(record_vars)] array per run; values: the sweep values. Runs of adaptive steppers
    may differ in length; stack() needs them equal.
    """

    def __init__(self, record_vars, t_runs, data, values, _stacked=None):
        self.record_vars = tuple(record_vars)
        self.t_runs = list(t_runs)
        self.data = list(data)
        self.values = np.asarray(values, dtype=float)
        self._var_index = {name: i for i, name in enumerate(self.record_vars)}
        self._stacked = _stacked  # [M, N, n_var] when known to be one block (no copy)

    def _stacked_data(self):
        if self._stacked is not None:
            return self._stacked
        if not self.data:
            return np.empty((0, 0, len(self.record_vars)), dtype=float)
        if len({run.shape[0] for run in self.data}) == 1:
            return np.stack(self.data, axis=0)
        return None

    def stack(self):
        """[M, N, len(record_vars)]; ValueError when the runs differ in length."""
        stacked = self._stacked_data()
        if stacked is None:
            raise ValueError("Cannot stack sweep trajectories: run lengths differ.")
        return stacked

    def __getitem__(self, key):
        """A variable as [N, M] (time first) when runs stack, else a list of per-run arrays;
        several names give [N, M, k] (or a list of [n_i, k] arrays)."""
        cols = _columns(key, self._var_index, self.record_vars)
        stacked = self._stacked_data()
        if stacked is not None:
            if len(cols) == 1:
                return stacked[:, :, cols[0]].T
            return np.transpose(stacked[:, :, cols], (1, 0, 2))
        if len(cols) == 1:
            return [run[:, cols[0]] for run in self.data]
        return [run[:, cols] for run in self.data]

    @property
    def t(self):
        """The first run's times (all runs share them with fixed-step steppers and maps)."""
        return self.t_runs[0] if self.t_runs else np.empty((0,), dtype=float)

    @property
    def t_all(self):
        return self.t_runs

    @property
    def runs(self):
        return SweepRunsView(values=self.values, payload=self)

    def __repr__(self):
        return f"TrajectoryPayload(record_vars={self.record_vars}, runs={len(self.data)})"


_CORE_KEYS = ("values", "param_name", "kind", "meta", "outputs", "traces", "payload",
              "output_names", "trace_names")


class SweepResult(Mapping):
    """What every sweep returns (scalar, trajectory, Lyapunov, ...).

    SweepResult(param_name=, values=, kind=, outputs=None, traces=None, meta=None, payload=None):
    outputs maps names to one value (or row) per sweep value, traces names to per-run arrays,
    payload is a TrajectoryPayload for trajectory sweeps. Outputs, traces and recorded variables
    are reachable as res["name"] and res.name. SweepResult.from_data(data, meta=...) wraps the
    engine's result (a dynlib SweepData) without copying its arrays.
    """

    def __init__(self, *, param_name, values, kind, outputs=None, traces=None, meta=None,
                 payload=None):
        self.param_name = param_name
        self.values = np.asarray(values, dtype=float)
        self.kind = kind
        self.meta = meta or {}
        self._outputs = dict(outputs or {})
        self._traces = dict(traces or {})
        self._payload = payload
        self._output_names = tuple(self._outputs)
        self._trace_names = tuple(self._traces)

    @classmethod
    def from_data(cls, data, *, meta=None):
        """Wraps a SweepData (the C++ SweepResult): its outputs, traces and, for trajectory
        sweeps, a TrajectoryPayload whose arrays view the engine's buffers. meta gets the
        stepper, the model's kind, the threads used and `failed` ({run index: why it stopped}
        for the runs that did not finish; usually empty) on top of what is passed."""
        full_meta = dict(stepper=data.stepper, kind=data.model_kind)
        full_meta.update(meta or {})
        failed = {i: message for i, (status, message) in enumerate(zip(data.status, data.message))
                  if status != "done"}
        full_meta.update(threads=data.threads, failed=failed)
        payload = None
        if data.has_trajectories:
            t, block, counts = data.t, data.data, data.counts
            payload = TrajectoryPayload(
                record_vars=data.record_vars,
                t_runs=[t[i, :c] for i, c in enumerate(counts)],
                data=[block[i, :c, :] for i, c in enumerate(counts)],
                values=data.values,
                _stacked=block if np.all(counts == block.shape[1]) else None,
            )
        return cls(param_name=data.param_name, values=data.values, kind=data.kind,
                   outputs=data.outputs, traces=data.traces, meta=full_meta, payload=payload)

    def _has_var(self, key):
        return isinstance(self._payload, TrajectoryPayload) and key in self._payload._var_index

    def _available(self, core=True):
        names = list(_CORE_KEYS) if core else []
        names += list(self._output_names) + list(self._trace_names)
        if isinstance(self._payload, TrajectoryPayload):
            names += list(self._payload.record_vars)
        return names

    # ---- Mapping ----
    def __getitem__(self, key):
        if not isinstance(key, str):
            if isinstance(self._payload, TrajectoryPayload):
                return self._payload[key]  # several recorded variables at once
            raise KeyError(f"Unknown field {key!r}. Available: {self._available()}")
        if key in _CORE_KEYS:
            return getattr(self, key)
        if key in self._outputs:
            return self._outputs[key]
        if key in self._traces:
            return self._traces[key]
        if self._has_var(key):
            return self._payload[key]
        raise KeyError(f"Unknown field '{key}'. Available: {self._available()}")

    def __iter__(self):
        yield from _CORE_KEYS
        yield from self._output_names
        yield from self._trace_names
        if isinstance(self._payload, TrajectoryPayload):
            yield from self._payload.record_vars

    def __len__(self):
        return len(self._available())

    def __contains__(self, key):
        return isinstance(key, str) and (key in _CORE_KEYS or key in self._outputs
                                         or key in self._traces or self._has_var(key))

    def __getattr__(self, name):
        # Only reached for names that are not attributes: outputs, traces, recorded variables.
        if name.startswith("_"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        if name in self._outputs:
            return self._outputs[name]
        if name in self._traces:
            return self._traces[name]
        if self._has_var(name):
            return self._payload[name]
        raise AttributeError(
            f"SweepResult has no attribute '{name}'. Available: {self._available(core=False)}")

    def __repr__(self):
        return (f"<SweepResult kind={self.kind!r}, param={self.param_name!r}, "
                f"values={self.values.shape}, outputs={self._output_names}, "
                f"traces={self._trace_names}>")

    # ---- fields ----
    @property
    def payload(self):
        return self._payload

    @property
    def outputs(self):
        return self._outputs

    @property
    def traces(self):
        return self._traces

    @property
    def output_names(self):
        return self._output_names

    @property
    def trace_names(self):
        return self._trace_names

    @property
    def record_vars(self):
        return self._payload.record_vars if isinstance(self._payload, TrajectoryPayload) else ()

    @property
    def t(self):
        if isinstance(self._payload, TrajectoryPayload):
            return self._payload.t
        return np.empty((0,), dtype=float)

    @property
    def t_all(self):
        return self._payload.t_all if isinstance(self._payload, TrajectoryPayload) else []

    @property
    def data(self):
        return self._payload.data if isinstance(self._payload, TrajectoryPayload) else []

    def _trajectories(self, what):
        if not isinstance(self._payload, TrajectoryPayload):
            raise AttributeError(f"{what} is only available for trajectory sweep results")
        return self._payload

    @property
    def runs(self):
        return self._trajectories("runs").runs

    def stack(self):
        return self._trajectories("stack").stack()

    def series(self, key):
        return self[key]

    def bifurcation(self, var):
        """A BifurcationExtractor of recorded variable `var` (trajectory sweeps)."""
        self._trajectories("bifurcation")
        from .post.bifurcation import BifurcationExtractor

        return BifurcationExtractor(self, var)


def _run_keywords(t0, T, N, dt, transient, record_interval, max_steps):
    return dict(t0=t0, T=T, N=N, dt=dt, transient=transient, record_interval=record_interval,
                max_steps=max_steps)


def scalar_sweep(sim, *, param, values, var, mode="final", t0=None, T=None, N=None, dt=None,
                 transient=None, record_interval=None, max_steps=None, parallel_mode="auto",
                 max_workers=None):
    """One run per value of `param`, each reduced to one number of `var`: its last recorded
    sample ("final"), their mean, max or min. Returns SweepResult(kind="scalar") with output y.

    sim is a dynlib.Sim (its current state and params are every run's start) or a FullModel.
    parallel_mode "none" runs on one thread, any other on max_workers threads (None: every core).
    """
    run = _run_keywords(t0, T, N, dt, transient, record_interval, max_steps)
    data = _dynlib._scalar_sweep(sim, str(param), values, str(var), str(mode), run,
                                 str(parallel_mode), max_workers)
    meta = dict(run, parallel_mode=parallel_mode, max_workers=max_workers, var=var, mode=mode)
    return SweepResult.from_data(data, meta=meta)


def traj_sweep(sim, *, param, values, record_vars, t0=None, T=None, N=None, dt=None,
               transient=None, record_interval=None, max_steps=None, parallel_mode="auto",
               max_workers=None):
    """One run per value of `param`, keeping the recorded samples of record_vars. Returns
    SweepResult(kind="trajectory"): res["x"] ([N, M] when runs stack), res.runs, res.t_all,
    res.stack(), res.bifurcation("x").
    """
    if isinstance(record_vars, str):
        record_vars = [record_vars]
    names = [str(name) for name in record_vars]
    run = _run_keywords(t0, T, N, dt, transient, record_interval, max_steps)
    data = _dynlib._traj_sweep(sim, str(param), values, names, run, str(parallel_mode),
                               max_workers)
    meta = dict(run, parallel_mode=parallel_mode, max_workers=max_workers,
                record_vars=tuple(names))
    return SweepResult.from_data(data, meta=meta)


# The reference keeps its Lyapunov sweeps in this module (`from dynlib.analysis import sweep;
# sweep.lyapunov_mle_sweep(...)`); they live in lyapunov_sweep.py.
from .lyapunov_sweep import lyapunov_mle_sweep, lyapunov_spectrum_sweep  # noqa: E402
