"""FullModel.rhs / jacobian / jvp / dfdp / inv_rhs as callables (docs/python.md)."""
import shutil
import threading

import numpy as np
import pytest

import dynlib

HAVE_CXX = any(shutil.which(c) for c in ("c++", "g++", "clang++"))
needs_jit = pytest.mark.skipif(not HAVE_CXX, reason="no C++ compiler for jit=True")

SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0
Y = np.array([1.5, -2.25, 20.125])

ARRAY_MODEL = """inline:
[model]
type = "ode"
name = "arr"

[states]
u = 1.0
v = 2.0

[params]
k = 0.5
w = [1.0, 2.0, 3.0]

[equations.rhs]
u = "-k * u + w[0] * v"
v = "w[1] * u - w[2] * v * v"
"""


def lorenz_rhs(y, sigma=SIGMA, rho=RHO, beta=BETA):
    x, yy, z = y
    return np.array([sigma * (yy - x), x * (rho - z) - yy, x * yy - beta * z])


def lorenz_jac(y, sigma=SIGMA, rho=RHO, beta=BETA):
    x, yy, z = y
    return np.array([[-sigma, sigma, 0.0], [rho - z, -1.0, -x], [yy, x, -beta]])


@pytest.fixture(scope="module")
def lorenz():
    return dynlib.build("builtin://ode/lorenz")


def test_rhs_is_the_lorenz_formula_exactly(lorenz):
    out = lorenz.rhs(0.0, Y)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (3,)
    assert np.array_equal(out, lorenz_rhs(Y))
    p = [9.0, 27.0, 2.5]
    assert np.array_equal(lorenz.rhs(0.0, Y, p), lorenz_rhs(Y, *p))
    assert np.array_equal(lorenz.rhs(0.0, list(Y), None), lorenz_rhs(Y))


def test_rhs_is_still_a_model_part(lorenz):
    part = lorenz.rhs
    assert isinstance(part, dynlib.ModelPart) and isinstance(part, dynlib.ModelFunction)
    assert part.name == "rhs" and part.signatures == [] and not part.is_jitted
    assert callable(part) and part.n_out == 3
    assert lorenz.jacobian.name == "jacobian" and lorenz.jacobian.n_out == 9
    assert "rhs" in repr(part) and "lorenz" in repr(part)


def test_jacobian_is_the_known_lorenz_jacobian(lorenz):
    J = lorenz.jacobian(0.0, Y)
    assert J.shape == (3, 3) and J.dtype == np.float64
    assert np.array_equal(J, lorenz_jac(Y))


def test_jvp_is_jacobian_times_v(lorenz):
    rng = np.random.default_rng(3)
    for _ in range(5):
        y, v = rng.normal(size=3) * 10, rng.normal(size=3)
        np.testing.assert_allclose(lorenz.jvp(0.0, y, None, v), lorenz.jacobian(0.0, y) @ v,
                                   rtol=1e-14, atol=1e-12)
    assert np.allclose(lorenz.jvp(0.0, Y, v=[1, 0, 0]), lorenz_jac(Y)[:, 0])


def test_dfdp_matches_central_differences(lorenz):
    p0 = np.array([SIGMA, RHO, BETA])
    D = lorenz.dfdp(0.0, Y, p0)
    assert D.shape == (3, 3)
    for k in range(3):
        h = 1e-6 * max(1.0, abs(p0[k]))
        pp, pm = p0.copy(), p0.copy()
        pp[k] += h
        pm[k] -= h
        fd = (lorenz.rhs(0.0, Y, pp) - lorenz.rhs(0.0, Y, pm)) / (2 * h)
        np.testing.assert_allclose(D[:, k], fd, rtol=1e-7, atol=1e-7)
    # d/dsigma = y - x, d/drho = x, d/dbeta = -z: exact.
    assert np.array_equal(D, [[Y[1] - Y[0], 0, 0], [0, Y[0], 0], [0, 0, -Y[2]]])


def test_params_as_dict_and_as_array(lorenz):
    by_name = lorenz.rhs(0.0, Y, {"rho": 20.0})
    assert np.array_equal(by_name, lorenz_rhs(Y, rho=20.0))
    assert np.array_equal(by_name, lorenz.rhs(0.0, Y, np.array([SIGMA, 20.0, BETA])))
    assert np.array_equal(lorenz.jacobian(0.0, Y, {"sigma": 3.0}), lorenz_jac(Y, sigma=3.0))
    # y as {state: value} over the initial state (1, 1, 1).
    assert np.array_equal(lorenz.rhs(0.0, {"z": 2.0}), lorenz_rhs([1.0, 1.0, 2.0]))
    with pytest.raises(dynlib.DynlibError, match="rhoo.*did you mean 'rho'"):
        lorenz.rhs(0.0, Y, {"rhoo": 1.0})


def test_array_params_take_lists():
    m = dynlib.build(ARRAY_MODEL)
    y = [0.5, -1.5]

    def f(y, k=0.5, w=(1.0, 2.0, 3.0)):
        return [-k * y[0] + w[0] * y[1], w[1] * y[0] - w[2] * y[1] * y[1]]

    assert np.array_equal(m.rhs(0.0, y), f(y))
    assert np.array_equal(m.rhs(0.0, y, {"w": [4.0, 5.0, 6.0]}), f(y, w=(4, 5, 6)))
    assert np.array_equal(m.rhs(0.0, y, {"w[1]": 7.0, "k": 2}), f(y, k=2, w=(1, 7, 3)))
    assert np.array_equal(m.rhs(0.0, y, [2, 4, 5, 6]), f(y, k=2, w=(4, 5, 6)))
    assert m.dfdp(0.0, y).shape == (2, 4)
    with pytest.raises(dynlib.DynlibError, match="has 2 value.*has 3"):
        m.rhs(0.0, y, {"w": [1.0, 2.0]})


def test_wrong_sizes_raise_naming_the_model(lorenz):
    with pytest.raises(dynlib.DynlibError, match=r"y .*model 'lorenz' needs 3 values"):
        lorenz.rhs(0.0, [1.0, 2.0])
    with pytest.raises(dynlib.DynlibError, match=r"params .*'lorenz' needs 3 values.*sigma"):
        lorenz.jacobian(0.0, Y, [1.0, 2.0])
    with pytest.raises(dynlib.DynlibError, match=r"v .*needs 3"):
        lorenz.jvp(0.0, Y, None, [1.0])
    with pytest.raises(dynlib.DynlibError, match="out has 3 values.*needs 9"):
        lorenz.jacobian(0.0, Y, None, np.zeros(3))
    with pytest.raises(dynlib.DynlibError, match="shape"):
        lorenz.rhs(0.0, np.zeros((3, 1)))
    with pytest.raises(TypeError):
        lorenz.rhs(0.0, "abc")
    with pytest.raises(TypeError, match="missing required argument 'v'"):
        lorenz.jvp(0.0, Y)
    with pytest.raises(TypeError, match="unexpected keyword"):
        lorenz.rhs(0.0, Y, param={})


def test_reference_call_forms_fill_out(lorenz):
    dy = np.zeros(3)
    assert lorenz.rhs(0.0, Y, dy, None, None) is dy
    assert np.array_equal(dy, lorenz_rhs(Y))
    J = np.zeros((3, 3))
    lorenz.jacobian(0.0, Y, np.array([SIGMA, RHO, BETA]), J, object())
    assert np.array_equal(J, lorenz_jac(Y))
    w = np.zeros(3)
    lorenz.jvp(0.0, Y, None, np.array([0.0, 1.0, 0.0]), w, None)
    assert np.array_equal(w, lorenz_jac(Y)[:, 1])
    # A float32 or strided out receives a cast copy.
    out32 = np.zeros(3, dtype=np.float32)
    lorenz.rhs(0.0, Y, out32, None)
    assert np.array_equal(out32, lorenz_rhs(Y).astype(np.float32))
    strided = np.zeros(6)[::2]
    lorenz.rhs(0.0, Y, out=strided)
    assert np.array_equal(strided, lorenz_rhs(Y))


def test_user_jacobian_matches_the_symbolic_one():
    for uri in ("builtin://ode/lorenz", "builtin://map/henon", "builtin://ode/vanderpol"):
        sym = dynlib.build(uri)
        user = dynlib.build(uri, jacobian="user")
        rng = np.random.default_rng(7)
        n = len(sym.spec.state_names)
        for _ in range(4):
            y = rng.normal(size=n) * 2
            Js, Ju = sym.jacobian(0.3, y), user.jacobian(0.3, y)
            np.testing.assert_allclose(Ju, Js, rtol=1e-12, atol=1e-12 * np.abs(Js).max())
    sim = dynlib.setup("builtin://ode/lorenz", jacobian="user")
    assert np.array_equal(sim.model.jacobian(0.0, Y), lorenz_jac(Y))
    with pytest.raises(TypeError):
        dynlib.build("builtin://ode/lorenz", jacobian=1)


def test_inverse_undoes_the_map():
    for uri in ("builtin://map/henon", "builtin://map/lozi", "builtin://map/standard"):
        m = dynlib.build(uri)
        rng = np.random.default_rng(1)
        for _ in range(5):
            y = rng.uniform(-0.5, 0.5, size=len(m.spec.state_names))
            if m.spec.name == "standard":  # (p, theta) in [-pi, pi) x [0, 2 pi)
                y[1] += 3.0
            np.testing.assert_allclose(m.inv_rhs(0.0, m.rhs(0.0, y)), y, rtol=1e-12,
                                       atol=1e-12)
    out = np.zeros(2)
    henon = dynlib.build("builtin://map/henon")
    henon.inv_rhs(0.0, henon.rhs(0.0, [0.1, 0.2]), out, None, None)
    np.testing.assert_allclose(out, [0.1, 0.2], rtol=1e-12)


def test_inverse_raises_without_one():
    m = dynlib.build("builtin://map/logistic")
    with pytest.raises(dynlib.DynlibError, match="no inverse"):
        m.inv_rhs(0.0, [0.3])
    lorenz = dynlib.build("builtin://ode/lorenz")
    with pytest.raises(dynlib.DynlibError, match="no inverse"):
        lorenz.inv_rhs(0.0, Y)


def test_int64_model_has_rhs_but_no_derivatives():
    m = dynlib.build("builtin://map/collatz")
    n = len(m.spec.state_names)
    y = np.full(n, 7.0)
    assert np.all(np.isfinite(m.rhs(0.0, y)))
    for call in (lambda: m.jacobian(0.0, y), lambda: m.jvp(0.0, y, None, y),
                 lambda: m.dfdp(0.0, y)):
        with pytest.raises(dynlib.DynlibError, match="int64"):
            call()


@needs_jit
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("uri", ["builtin://ode/lorenz", "builtin://ode/vanderpol",
                                 "builtin://map/henon", "builtin://ode/hodgkin-huxley-1952"])
def test_interpreter_and_native_give_the_same_bits(uri, dtype):
    interp = dynlib.build(uri, dtype=dtype)
    native = dynlib.build(uri, dtype=dtype, jit=True)
    assert native.rhs.is_jitted and native.rhs.signatures
    assert native.jacobian.is_jitted and native.jacobian.signatures
    rng = np.random.default_rng(11)
    n = len(interp.spec.state_names)
    y0 = np.asarray(interp.spec.initial_state)
    for _ in range(4):
        y = y0 + rng.normal(size=n) * 0.5
        v = rng.normal(size=n)
        for name, args in (("rhs", (y,)), ("jacobian", (y,)), ("jvp", (y, None, v)),
                           ("dfdp", (y,))):
            a = getattr(interp, name)(0.25, *args)
            b = getattr(native, name)(0.25, *args)
            assert a.tobytes() == b.tobytes(), (name, a, b)
    if dtype == "float32":
        # Computed in float32: the results are float32 values (as float64 arrays).
        r = interp.rhs(0.25, y0 + 0.1)
        assert np.array_equal(r, r.astype(np.float32).astype(np.float64))


def test_threads_give_the_same_results(lorenz):
    rng = np.random.default_rng(5)
    ys = rng.normal(size=(64, 3)) * 5
    expected = [(lorenz.rhs(0.0, y), lorenz.jacobian(0.0, y), lorenz.jvp(0.0, y, None, y))
                for y in ys]
    errors = []

    def work():
        try:
            for _ in range(20):
                for y, (r, J, jv) in zip(ys, expected):
                    assert np.array_equal(lorenz.rhs(0.0, y), r)
                    assert np.array_equal(lorenz.jacobian(0.0, y), J)
                    assert np.array_equal(lorenz.jvp(0.0, y, None, y), jv)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
