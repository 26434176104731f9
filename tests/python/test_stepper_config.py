"""Sim.stepper_config(): the reference's packed view of the stepper's options, and its keywords
stored for later runs."""
import numpy as np
import pytest

import dynlib
from dynlib.runtime.session_api import STEPPER_CONFIG_FIELDS

MODEL = """
inline:
[model]
type = "ode"
[states]
x = 1.0
[equations.rhs]
x = "-x"
[sim]
stepper = "{stepper}"
atol = 1e-7
max_tries = 7
"""


def sim_with(stepper):
    return dynlib.setup(MODEL.replace("{stepper}", stepper))


def test_rk45_packs_the_reference_order_with_the_models_values():
    cfg = sim_with("rk45").stepper_config()
    assert cfg.dtype == np.float64
    fields = STEPPER_CONFIG_FIELDS[("adaptive", "explicit")]
    assert fields == ("atol", "rtol", "safety", "min_factor", "max_factor", "max_tries",
                      "min_step", "dt_max")
    got = dict(zip(fields, cfg))
    assert got["atol"] == 1e-7 and got["max_tries"] == 7  # from [sim]
    assert got["safety"] == 0.9 and got["dt_max"] == np.inf  # no bound


def test_fixed_step_explicit_steppers_and_maps_have_an_empty_config():
    assert sim_with("rk4").stepper_config().shape == (0,)
    assert dynlib.setup("builtin://map/logistic").stepper_config().shape == (0,)


def test_implicit_steppers_pack_newton_options_and_the_jacobian_mode():
    fixed = sim_with("sdirk2").stepper_config()
    assert len(fixed) == 4 and fixed[3] == 2  # symbolic Jacobian (this package's default)
    adaptive = dict(zip(STEPPER_CONFIG_FIELDS[("adaptive", "implicit")],
                        sim_with("tr-bdf2a").stepper_config(jacobian_mode="fd")))
    assert adaptive["jacobian_mode"] == 0 and adaptive["max_tries"] == 7


def test_keywords_are_stored_for_later_runs():
    sim = sim_with("rk45")
    cfg = sim.stepper_config(rtol=1e-9, min_step=1e-14)
    got = dict(zip(STEPPER_CONFIG_FIELDS[("adaptive", "explicit")], cfg))
    assert got["rtol"] == 1e-9 and got["min_step"] == 1e-14
    assert np.array_equal(sim.stepper_config(), cfg)  # kept
    stored = sim.run(T=2.0)
    explicit = sim_with("rk45").run(T=2.0, rtol=1e-9, dt_min=1e-14)
    assert np.array_equal(stored["x"], explicit["x"]) and np.array_equal(stored.t, explicit.t)
    with pytest.raises(Exception, match="rtl"):
        sim.stepper_config(rtl=1e-3)


def test_stepper_keys_in_sim_reach_the_stepper():
    # [sim] atol = 1e-7, max_tries = 7 (the reference's name of max_rejects) act as run options.
    from_model = sim_with("rk45").run(T=3.0)
    plain = dynlib.setup(MODEL.replace("{stepper}", "rk45").replace("atol = 1e-7\n", "")
                         .replace("max_tries = 7\n", ""))
    explicit = plain.run(T=3.0, atol=1e-7, max_rejects=7)
    default = dynlib.setup(MODEL.replace("{stepper}", "rk45").replace("atol = 1e-7\n", "")).run(T=3.0)
    assert np.array_equal(from_model.t, explicit.t) and np.array_equal(from_model["x"], explicit["x"])
    assert not np.array_equal(from_model.t, default.t)
