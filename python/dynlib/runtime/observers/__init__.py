"""Observers of runs, with the reference dynlib's names:

    from dynlib.runtime.observers import lyapunov_mle_observer, lyapunov_spectrum_observer
    sim.run(T=400, dt=0.001, transient=20, observers=lyapunov_spectrum_observer(k=3))
    ly = sim.results().observers["lyapunov_spectrum"]
    ly.lyap0            # final estimate of the largest exponent
    ly["lyap0"]         # its running estimate (one value per record_interval steps)
    ly.trace_time       # times of those values

Lyapunov observers run in the compiled kernel (or the interpreter) with the run's own stepper:
the tangents follow the discrete variational equation of that stepper (docs/lyapunov.md).
Observers written in Python (PythonObserver, callback_observer) are called from the run through
the GIL, once per call point: convenient, and slow (about a microsecond per call plus the
callback's own cost, against nanoseconds for a step); block_observer hands them every point in
blocks, one call per block; see docs/lyapunov.md.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..._dynlib import ObserverSpec, _block_observer, _callback_observer, _lyapunov_observer

__all__ = [
    "lyapunov_mle_observer",
    "lyapunov_spectrum_observer",
    "callback_observer",
    "block_observer",
    "PythonObserver",
    "ObserverResult",
    "ObserverSpec",
]


def _n_state_of(model, sim):
    target = model if model is not None else sim
    if target is None:
        return None
    target = getattr(target, "model", target)  # a Sim's model
    spec = getattr(target, "spec", None)
    names = getattr(spec, "state_names", None)
    return len(names) if names is not None else None


def _record_interval(record_interval, trace_plan, who):
    if trace_plan is not None:
        stride = getattr(trace_plan, "stride", getattr(trace_plan, "record_interval", None))
        if stride is None:
            raise TypeError(f"{who}: trace_plan needs a 'stride' (record interval)")
        if record_interval is not None and int(record_interval) != int(stride):
            raise ValueError(f"{who}: record_interval and trace_plan.stride disagree")
        record_interval = stride
    if record_interval is None:
        return 1
    if isinstance(record_interval, bool) or int(record_interval) != record_interval:
        raise TypeError(f"{who}: record_interval must be a whole number, got {record_interval!r}")
    if record_interval < 0:
        raise ValueError(f"{who}: record_interval = {record_interval} must be >= 0 (0: no trace)")
    return int(record_interval)


def _check_common(who, jvp, n_state, model, sim, mode):
    if jvp is not None:
        raise TypeError(
            f"{who}: jvp= (a Python J*v) is not used here: dynlib differentiates the model "
            "symbolically and runs J*v in the kernel (docs/porting.md)"
        )
    if mode not in ("flow", "map", "auto"):
        raise ValueError(f"{who}: mode must be 'flow', 'map' or 'auto', got {mode!r}")
    known = _n_state_of(model, sim)
    if n_state is not None and known is not None and int(n_state) != known:
        raise ValueError(f"{who}: n_state = {n_state}, but the model has {known} states")
    return known


def lyapunov_mle_observer(
    model=None,
    sim=None,
    record_interval=None,
    *,
    jvp=None,
    n_state=None,
    trace_plan=None,
    analysis_kind=1,
    mode="auto",
    prefer_variational_combined=True,
    renorm_every=1,
    name=None,
):
    """The largest Lyapunov exponent of a run.

    One tangent vector is advanced with the state by the run's stepper and renormalised every
    `renorm_every` steps; the log stretch is summed from the end of the run's transient and
    divided by the time (flows) or the iterations (maps, mode="map"). Outputs: mle, log_growth,
    denom, steps, renormalisations; trace "mle" every `record_interval` steps (0: none).
    `model`/`sim` are accepted for the reference's signature (the run's model is used);
    `analysis_kind` and `prefer_variational_combined` have one meaning here (combined stepping).
    """
    who = "lyapunov_mle_observer"
    _check_common(who, jvp, n_state, model, sim, mode)
    return _lyapunov_observer(
        False, 1, _record_interval(record_interval, trace_plan, who), mode, int(renorm_every),
        [], name,
    )


def lyapunov_spectrum_observer(
    model=None,
    sim=None,
    record_interval=None,
    *,
    jvp=None,
    n_state=None,
    k=2,
    mode="auto",
    init_basis=None,
    trace_plan=None,
    analysis_kind=1,
    prefer_variational_combined=True,
    renorm_every=1,
    name=None,
):
    """The k largest Lyapunov exponents of a run (Benettin / Shimada-Nagashima QR method).

    k tangent vectors (init_basis: an (n_state, k) array, default the first k unit vectors) are
    advanced with the state by the run's stepper and re-orthonormalised by modified Gram-Schmidt
    every `renorm_every` steps. Outputs: lyap0..lyap{k-1}, sum, log_r0.., denom, steps,
    renormalisations; traces lyap0..lyap{k-1} every `record_interval` steps.
    """
    who = "lyapunov_spectrum_observer"
    known = _check_common(who, jvp, n_state, model, sim, mode)
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"{who}: k must be a positive whole number, got {k!r}")
    basis = []
    if init_basis is not None:
        arr = np.asarray(init_basis, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != k or (known is not None and arr.shape[0] != known):
            want = f"({known}, {k})" if known is not None else f"(n_state, {k})"
            raise ValueError(f"{who}: init_basis must have shape {want}, got {arr.shape}")
        basis = arr.T.reshape(-1).tolist()  # k vectors of n values
    return _lyapunov_observer(
        True, int(k), _record_interval(record_interval, trace_plan, who), mode, int(renorm_every),
        basis, name,
    )


def callback_observer(fn, *, every=1, name="callback"):
    """An observer written in Python: fn(t, step, y, params) is called at the start and after
    every `every`-th step with the state (a float64 array: writing into it changes the state)
    and the flat parameter vector; a truthy return value stops the run (status 'early_exit').
    An exception stops the run and propagates from run() (the results so far are kept).
    Slow by design: each call crosses into Python."""
    if isinstance(every, bool) or int(every) != every or every < 1:
        raise ValueError(f"callback_observer: every must be a whole number >= 1, got {every!r}")
    return _callback_observer(str(name), fn, int(every))


def block_observer(fn, *, block_rows=256, name="block"):
    """This package's own (the reference has none): an observer written in Python that sees every
    point of the run, in blocks. fn(t, first_step, y) is called with `block_rows` consecutive
    points, t a float64 array (rows,) and y a float64 array (rows, n_state), row r at step
    first_step + r, when a block is full and once more with the rows left at the end of the run;
    a truthy return value ends the run after that block's last step (status 'early_exit'). The
    arrays are copies. One call per block instead of one per step: a few microseconds per block,
    so a few nanoseconds per step at 1024 rows (docs/lyapunov.md). An exception stops the run and
    propagates from run() (the results so far are kept)."""
    most = 1 << 20
    if isinstance(block_rows, bool) or int(block_rows) != block_rows or not 1 <= block_rows <= most:
        raise ValueError(
            f"block_observer: block_rows must be a whole number from 1 to {most}, "
            f"got {block_rows!r}"
        )
    return _block_observer(str(name), fn, int(block_rows))


class PythonObserver:
    """Base class of observers written in Python: override on_step(t, step, y, params) (and
    optionally set `every` and `name`); return True to stop the run. The instance keeps whatever
    state you give it, so it can collect results as the run goes."""

    every = 1
    name = None

    def on_step(self, t, step, y, params):  # pragma: no cover - meant to be overridden
        raise NotImplementedError("PythonObserver subclasses implement on_step(t, step, y, params)")

    def _dynlib_observer_spec(self):
        return callback_observer(
            self.on_step, every=self.every, name=self.name or type(self).__name__
        )


class ObserverResult(Mapping):
    """What an observer left in Results.observers[name], as the reference dynlib shows it.

    Mapping keys: "out", "trace", "trace_steps", "trace_time", "record_interval", "stride",
    "output_names", "trace_names", then every output and trace name. res[trace_name] is the
    trace column (the running estimate); res.<name> is the final value (an output, or a trace's
    last value). `meta` says how the observer ran.
    """

    _CORE = ("out", "trace", "trace_steps", "trace_time", "record_interval", "stride",
             "output_names", "trace_names")

    def __init__(self, *, name, out, trace, stride, trace_steps, trace_time, output_names,
                 trace_names, meta=None):
        self._name = name
        self._out = out
        self._trace = trace
        self._stride = stride
        self._trace_steps = trace_steps
        self._trace_time = trace_time
        self._output_names = tuple(output_names or ())
        self._trace_names = tuple(trace_names or ())
        self.meta = dict(meta or {})

    @classmethod
    def _from_raw(cls, *, name, out, output_names, trace, trace_names, trace_time, trace_steps,
                  record_interval, meta):
        for a in (out, trace, trace_time, trace_steps):
            a.setflags(write=False)
        return cls(name=name, out=out, trace=trace, stride=record_interval,
                   trace_steps=trace_steps, trace_time=trace_time, output_names=output_names,
                   trace_names=trace_names, meta=meta)

    @property
    def name(self):
        return self._name

    @property
    def output_names(self):
        return self._output_names

    @property
    def trace_names(self):
        return self._trace_names

    @property
    def out(self):
        return self._out

    @property
    def trace(self):
        return self._trace

    @property
    def trace_time(self):
        return self._trace_time

    @property
    def trace_steps(self):
        return self._trace_steps

    @property
    def record_interval(self):
        return self._stride

    stride = record_interval

    def _core(self, key):
        return {
            "out": self._out, "trace": self._trace, "trace_steps": self._trace_steps,
            "trace_time": self._trace_time, "record_interval": self._stride,
            "stride": self._stride, "output_names": self._output_names,
            "trace_names": self._trace_names,
        }[key]

    def __getitem__(self, key):
        if key in self._CORE:
            return self._core(key)
        if key in self._trace_names:  # the running estimate, as the reference's scripts plot it
            if self._trace is None or self._trace.shape[0] == 0:
                raise KeyError(
                    f"trace '{key}' of observer '{self._name}' is empty: it records every "
                    "record_interval steps once the transient is over (record_interval=0: none)"
                )
            return self._trace[:, self._trace_names.index(key)]
        if key in self._output_names:
            return float(self._out[self._output_names.index(key)])
        raise KeyError(_unknown(self._name, key, self._all_names()))

    def __getattr__(self, key):
        if key.startswith("_"):
            raise AttributeError(key)
        if key in self._output_names:
            return float(self._out[self._output_names.index(key)])
        if key in self._trace_names and self._trace is not None and self._trace.shape[0] > 0:
            return float(self._trace[-1, self._trace_names.index(key)])
        raise AttributeError(_unknown(self._name, key, self._all_names()))

    def _all_names(self):
        return list(self._CORE) + list(self._output_names) + [
            n for n in self._trace_names if n not in self._output_names
        ]

    def __iter__(self):
        return iter(self._all_names())

    def __len__(self):
        return len(self._all_names())

    def __contains__(self, key):
        return isinstance(key, str) and key in self._all_names()

    def __repr__(self):
        outs = ", ".join(
            f"{n}={v:.6g}" for n, v in zip(self._output_names, self._out) if not n.startswith("log_")
        )
        rows = 0 if self._trace is None else self._trace.shape[0]
        return f"<ObserverResult '{self._name}': {outs}; trace {rows} rows>"


def _unknown(observer, key, names):
    import difflib

    close = difflib.get_close_matches(str(key), names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f" (names: {', '.join(names)})"
    return f"observer '{observer}' has no field '{key}'{hint}"
