"""Builtin models the reference's examples use (builtin://map/henon2, builtin://ode/eto-circular),
checked against their mathematics."""
import math

import numpy as np
import pytest

import dynlib


def test_henon2_fixed_point_inverse_and_conjugacy_to_henon():
    m = dynlib.build("builtin://map/henon2")
    a, b = 1.4, 0.3
    x = (-(1 - b) + math.sqrt((1 - b) ** 2 + 4 * a)) / 2  # x^2 + (1 - b) x - a = 0
    fp = np.array([x, x])
    assert np.allclose(m.rhs(0.0, fp), fp, atol=1e-14)
    p = np.array([0.3, -0.2])
    assert np.allclose(m.inv_rhs(0.0, m.rhs(0.0, p)), p, atol=1e-14)
    # (u, v) = (x, b y) of henon2 is henon's (1 - a' u^2 + v, b u) after scaling u = x / a.
    h = dynlib.setup("builtin://map/henon").run(N=20, ic={"x": 0.1 / a, "y": b * 0.2 / a})
    h2 = dynlib.setup("builtin://map/henon2").run(N=20, ic={"x": 0.1, "y": 0.2})
    assert np.allclose(h["x"] * a, h2["x"], atol=1e-9)


def test_eto_circular_settles_on_its_circle():
    res = dynlib.setup("builtin://ode/eto-circular").run(T=30.0)
    r2 = res["x"] ** 2 + res["y"] ** 2
    assert r2[-1] == pytest.approx(2.0, abs=1e-6)  # the limit cycle x^2 + y^2 = a
    assert r2[0] < 0.1
