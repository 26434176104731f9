"""Small session methods of the reference dynlib's Sim: ``assign(..., clear_history=True)``,
``raw_results()`` and ``dry_run()``.

:func:`install` wraps the extension's ``Sim.assign`` and adds the other two.
"""
from __future__ import annotations

import numpy as np

__all__ = ["install"]


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

    sim_cls.raw_results = raw_results
    sim_cls.dry_run = dry_run
