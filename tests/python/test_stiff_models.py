"""The stiff builtin models (robertson, hires, oregonator; vanderpol's "stiff" preset): their
hand-written [equations.jacobian] against the symbolic Jacobian, and Robertson's conservation law.
"""
import numpy as np
import pytest

import dynlib

# A few states around each model's own scales (all positive: concentrations).
SCALES = {
    "builtin://ode/robertson": [1.0, 3e-5, 1.0],
    "builtin://ode/hires": [1.0, 2e-4, 1e-4, 2e-3, 3e-3, 6e-3, 3e-3, 6e-3],
    "builtin://ode/oregonator": [1e4, 1e3, 1e3],
}


@pytest.mark.parametrize("uri", sorted(SCALES))
def test_user_jacobian_matches_the_symbolic_one(uri):
    sym = dynlib.build(uri)
    user = dynlib.build(uri, jacobian="user")
    assert sym.spec.has_jacobian
    scale = np.array(SCALES[uri])
    assert len(scale) == len(sym.spec.state_names)
    rng = np.random.default_rng(2024)
    states = [np.asarray(sym.spec.initial_state)] + [scale * rng.uniform(0.05, 2.0, scale.size)
                                                    for _ in range(5)]
    for y in states:
        Js, Ju = sym.jacobian(0.0, y), user.jacobian(0.0, y)
        np.testing.assert_allclose(Ju, Js, rtol=1e-12, atol=1e-12 * np.abs(Js).max())


def test_vanderpol_stiff_preset_jacobian():
    sym = dynlib.build("builtin://ode/vanderpol")
    user = dynlib.build("builtin://ode/vanderpol", jacobian="user")
    for y in ([2.0, 0.0], [1.3, -0.7], [-1.9, 1e-3]):
        Js, Ju = sym.jacobian(0.0, y, [1000.0]), user.jacobian(0.0, y, [1000.0])
        np.testing.assert_allclose(Ju, Js, rtol=1e-12, atol=1e-12 * np.abs(Js).max())
    res = dynlib.setup("builtin://ode/vanderpol").run(T=0.01, preset="stiff")
    assert res.ok
    assert np.all(np.isfinite(res.final_state))


def test_robertson_conserves_the_total():
    sim = dynlib.setup("builtin://ode/robertson", stepper="rk45")
    res = sim.run(T=1.0, atol=1e-10, rtol=1e-6)
    assert res.ok
    total = res["y1"] + res["y2"] + res["y3"]
    assert len(total) > 10
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-10)
    y = res.final_state
    assert 0.96 < y[0] < 0.97 and 0 < y[1] < 4e-5  # y1(1) = 0.9664...
