"""Builtin models: every builtin URI of the reference dynlib exists here with its state, param and
event names, in its order and with its default values (so its scripts run and give its numbers);
the ones added for it checked against their mathematics."""
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


# The reference dynlib's builtins (version 0.40.3): {URI: (states, params, events)}, names in
# declaration order with their default values. This project's builtins may add aux variables,
# Jacobians, inverses, presets and [sim] tables, and models of their own, but not differ in these.
HH_PARAMS = {
    "C": 1.0, "EK": -77.0, "ENa": 55.0, "EL": -54.0, "gK": 36.0, "gNa": 120.0, "gL": 0.3, "I": 0.0,
    "Vmid_m": -40.0, "k_m": 9.0, "Vmax_m": -38.0, "sigma_m": 30.0, "Camp_m": 0.46, "Cbase_m": 0.04,
    "Vmid_h": -62.0, "k_h": -7.0, "Vmax_h": -67.0, "sigma_h": 20.0, "Camp_h": 7.4, "Cbase_h": 1.2,
    "Vmid_n": -53.0, "k_n": 15.0, "Vmax_n": -79.0, "sigma_n": 50.0, "Camp_n": 4.7, "Cbase_n": 1.1,
}
REFERENCE_BUILTINS = {
    "map/henon": ({"x": 0.0, "y": 0.0}, {"a": 1.4, "b": 0.3}, []),
    "map/henon2": ({"x": 0.0, "y": 0.0}, {"a": 1.4, "b": 0.3}, []),
    "map/ikeda": ({"x": 0.1, "y": 0.0}, {"u": 0.9, "a": 0.4, "b": 6.0}, []),
    "map/logistic": ({"x": 0.1}, {"r": 4.0}, []),
    "map/lozi": ({"x": 0.0, "y": 0.0}, {"a": 1.7, "b": 0.5}, []),
    "map/sine": ({"x": 0.5}, {"r": 0.9}, []),
    "map/standard": ({"p": 0.0, "theta": 0.1}, {"K": 0.971635}, []),
    "ode/duffing": ({"x": 0.1, "y": 0.1},
                    {"delta": 0.2, "alpha": -1.0, "beta": 1.0, "gamma": 0.3, "omega": 1.2}, []),
    "ode/eto-circular": ({"x": 0.1, "y": 0.1}, {"a": 2.0, "mu": 0.8}, []),
    "ode/exp-if": ({"v": -70.0},
                   {"tau": 15.0, "v_rest": -72.0, "v_th": -45.0, "v_reset": -75.0, "vt": -55.0,
                    "D": 2.0, "I": 0.0}, ["reset"]),
    "ode/expdecay": ({"x": 1.0}, {"a": 1.0}, []),
    "ode/fitzhugh-nagumo": ({"V": -1.74, "w": -1.48},
                            {"a": 0.7, "b": 0.7, "R": 0.1, "I": 0.0, "tau": 12.5}, []),
    "ode/hodgkin-huxley": ({"V": -65.0, "n": 0.31, "m": 0.06, "h": 0.61}, HH_PARAMS, []),
    "ode/izhikevich": ({"v": -65.0, "u": -13.0},
                       {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0, "I": 10.0, "v_th": 30.0},
                       ["reset"]),
    "ode/leaky-if": ({"v": -65.0},
                     {"tau": 10.0, "v_rest": -65.0, "v_th": -50.0, "v_reset": -65.0, "I": 0.0},
                     ["reset"]),
    "ode/lorenz": ({"x": 1.0, "y": 1.0, "z": 1.0},
                   {"sigma": 10.0, "rho": 28.0, "beta": 8.0 / 3.0}, []),
    "ode/quadratic-if": ({"v": -65.0},
                         {"tau": 15.0, "v_rest": -65.0, "v_th": 5.0, "v_reset": -70.0, "I": 0.0,
                          "vt": -50.0, "R": 10.0}, ["reset"]),
    "ode/resonate-if": ({"x": 0.0, "y": 0.0},
                        {"I": 0.0, "b": -0.05, "w": 0.25, "y_th": 1.0, "x_reset": 0.0,
                         "y_reset": 1.0}, ["reset"]),
    "ode/vanderpol": ({"x": 2.0, "y": 0.0}, {"mu": 1.0}, []),
}


@pytest.mark.parametrize("name", sorted(REFERENCE_BUILTINS))
def test_reference_builtin_has_the_reference_names_and_defaults(name):
    states, params, events = REFERENCE_BUILTINS[name]
    info = dynlib.build("builtin://" + name).spec
    assert list(info.states) == list(states)
    assert info.states == pytest.approx(states, rel=1e-15)
    assert list(info.params) == list(params)
    assert info.params == pytest.approx(params, rel=1e-15)
    assert list(info.events) == events


def _spike_count(uri, T, **params):
    res = dynlib.setup(uri).run(T=T, params=params)
    return len(res.event("reset").t)


def test_integrate_and_fire_builtins_rest_without_input_and_fire_above_rheobase():
    # exp-if: rheobase I = vt - v_rest - D = 15; quadratic-if: R*I = (vt - v_rest)^2 / 4.
    assert _spike_count("builtin://ode/exp-if", 300.0) == 0
    assert _spike_count("builtin://ode/exp-if", 300.0, I=16.0) > 0
    assert _spike_count("builtin://ode/quadratic-if", 300.0) == 0
    assert _spike_count("builtin://ode/quadratic-if", 300.0, I=5.5) == 0
    assert _spike_count("builtin://ode/quadratic-if", 300.0, I=6.0) > 0
    # leaky-if: interspike interval tau ln(I / (I - (v_th - v_rest))) = 10 ln 4 at I = 20.
    res = dynlib.setup("builtin://ode/leaky-if").run(T=100.0, params={"I": 20.0})
    isi = np.diff(res.event("reset").t)
    assert isi == pytest.approx(10 * math.log(4), abs=0.02)


def test_resonate_if_subthreshold_oscillation_decays_at_rate_b():
    # Without threshold crossings the orbit is the linear focus: |z - z*| decays as exp(b t).
    res = dynlib.setup("builtin://ode/resonate-if").run(T=40.0, ic={"x": 0.5, "y": 0.0})
    r = np.hypot(res["x"], res["y"])
    assert r[-1] == pytest.approx(0.5 * math.exp(-0.05 * 40.0), rel=1e-6)
    fired = dynlib.setup("builtin://ode/resonate-if").run(T=40.0, params={"I": 0.5})
    assert len(fired.event("reset").t) > 0


def test_hodgkin_huxley_activation_form_rests_and_fires():
    rest = dynlib.setup("builtin://ode/hodgkin-huxley").run(T=100.0)
    assert np.all(np.abs(rest["V"] + 65.0) < 5.0)
    spiking = dynlib.setup("builtin://ode/hodgkin-huxley").run(T=100.0, params={"I": 10.0})
    crossings = np.sum((spiking["V"][:-1] < 0.0) & (spiking["V"][1:] >= 0.0))
    assert crossings >= 3


def test_standard_map_stays_on_the_torus():
    res = dynlib.setup("builtin://map/standard").run(N=2000, params={"K": 2.0})
    assert np.all((res["theta"] >= 0.0) & (res["theta"] < 2 * math.pi))
    assert np.all((res["p"] >= -math.pi) & (res["p"] < math.pi))


def test_lozi_inverse_undoes_the_map():
    m = dynlib.build("builtin://map/lozi")
    p = np.array([0.3, -0.4])
    assert np.allclose(m.inv_rhs(0.0, m.rhs(0.0, p)), p, atol=1e-14)


@pytest.mark.parametrize("name", ["ode/hodgkin-huxley", "ode/exp-if", "ode/quadratic-if",
                                  "ode/resonate-if", "ode/fitzhugh-nagumo", "ode/duffing",
                                  "ode/izhikevich", "ode/leaky-if", "ode/expdecay", "map/ikeda",
                                  "map/lozi", "map/standard", "map/sine", "map/logistic"])
def test_written_jacobian_matches_the_symbolic_one(name):
    # Near the default state (HH: V within 10 mV of rest, the gates in (0, 1)).
    sym = dynlib.build("builtin://" + name)
    user = dynlib.build("builtin://" + name, jacobian="user")
    y0 = np.array(list(sym.spec.states.values()))
    rng = np.random.default_rng(3)
    for _ in range(5):
        y = y0 + rng.uniform(-0.1, 0.1, size=y0.size) * np.maximum(np.abs(y0), 1.0)
        Js, Ju = sym.jacobian(0.7, y), user.jacobian(0.7, y)
        np.testing.assert_allclose(Ju, Js, rtol=1e-9, atol=1e-12 * np.abs(Js).max())
