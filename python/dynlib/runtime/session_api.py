"""Small session methods of the reference dynlib's Sim: ``assign(..., clear_history=True)``,
``raw_results()``, ``dry_run()`` and ``stepper_config()``.

:func:`install` wraps the extension's ``Sim.assign`` and adds the other two.
"""
from __future__ import annotations

import numpy as np

__all__ = ["install", "STEPPER_CONFIG_FIELDS"]

# The reference packs a stepper's options into a float64 array in the order of its Config
# dataclass; one layout per kind of stepper (rk45; sdirk2/bdf2; bdf2a/tr-bdf2a). Fixed-step
# explicit steppers and maps have none. max_tries and min_step are max_rejects and dt_min here.
_ADAPTIVE = ("atol", "rtol", "safety", "min_factor", "max_factor", "max_tries", "min_step",
             "dt_max")
_IMPLICIT = ("newton_tol", "newton_max_iter", "jac_eps", "jacobian_mode")
_IMPLICIT_ADAPTIVE = _ADAPTIVE[:-1] + _IMPLICIT[:-1] + ("dt_max", "jacobian_mode")
STEPPER_CONFIG_FIELDS = {
    ("fixed", "explicit"): (),
    ("adaptive", "explicit"): _ADAPTIVE,
    ("fixed", "implicit"): _IMPLICIT,
    ("adaptive", "implicit"): _IMPLICIT_ADAPTIVE,
}
_OUR_NAME = {"max_tries": "max_rejects", "min_step": "dt_min"}
# The reference's codes: 0 its finite differences ("internal"), 1 the model's Jacobian
# ("external"); 2 is this package's default, the symbolic Jacobian.
_JACOBIAN_MODE_CODE = {"fd": 0, "internal": 0, "analytic": 1, "external": 1, "symbolic": 2}


def install(sim_cls) -> None:
    ext_assign = sim_cls.assign

    def assign(self, mapping=None, /, *, clear_history: bool = False, **values) -> None:
        ext_assign(self, mapping, **values)
        if clear_history:
            # The session (time, state, stepper history) stays; only the results go: a session
            # image restored onto itself is exactly that.
            self._restore_session(self._session_image())
            self.__dict__.get("_segments", []).clear()

    assign.__doc__ = (ext_assign.__doc__ or "") + (
        " clear_history=True (the reference's) also clears the results and segments, keeping "
        "the session: a later run(resume=True) continues from it.")
    sim_cls.assign = assign

    def raw_results(self):
        """The results of the runs so far (RuntimeError when there are none: before any run,
        after reset(), import_snapshot() or assign(clear_history=True))."""
        res = self.results()
        if res.n == 0 and res.steps == 0:
            raise RuntimeError("no simulation results: call run() first (reset() clears them)")
        return res

    def dry_run(self) -> bool:
        """True when the model evaluates at the current state (its rhs gives one finite or
        non-finite number per state without an error): the reference's callability check."""
        model = self.model
        t = self.session_state_summary()["t"]
        out = model.rhs(t, self.state_vector(), self.param_vector())
        return np.shape(out) == (len(model.spec.state_names),)

    def stepper_config(self, **kwargs) -> np.ndarray:
        """The current stepper's options as the reference packs them (a float64 array in its
        Config order: ``STEPPER_CONFIG_FIELDS``; empty for fixed-step explicit steppers and maps),
        resolved as a run would resolve them (config() defaults, then the model's [sim], then the
        package defaults). Keywords (stepper options, e.g. ``atol=1e-9``) are stored first, as
        ``config(**kwargs)`` stores them, for later runs."""
        if kwargs:
            self.config(**kwargs)
        from ..stepper_registry import get_stepper

        meta = get_stepper(self.model.stepper_name).meta
        names = STEPPER_CONFIG_FIELDS[(meta.time_control, meta.scheme)]
        resolved = dict(self.model.spec.stepper_defaults)
        for name, value in self.config().items():  # stored defaults win, under either name
            ours = _OUR_NAME.get(name, name)
            if ours in resolved and value is not None:
                resolved[ours] = value
        values = []
        for name in names:
            value = resolved[_OUR_NAME.get(name, name)]
            if name == "jacobian_mode":
                value = _JACOBIAN_MODE_CODE[str(value)]
            elif name == "dt_max" and value == 0:
                value = np.inf  # 0 means no bound here; the reference writes inf
            values.append(float(value))
        return np.array(values, dtype=np.float64)

    sim_cls.raw_results = raw_results
    sim_cls.stepper_config = stepper_config
    sim_cls.dry_run = dry_run
