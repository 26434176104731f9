"""int64 models are exact end to end through the Python API: Python ints and numpy int64 values in
ic=/params=/assign reach the model unrounded, results come back as numpy int64, and sim.state(),
final_state, param() and the model's spec keep every digit beyond 2**53 (where a float64 rounds).
A value that does not fit int64, or a fraction, is refused naming the variable."""
import numpy as np
import pytest

import dynlib

TWO53_PLUS_1 = 2**53 + 1  # no float64 holds it
INT64_MAX = 2**63 - 1

# x counts up by a, y down by 1.
BIG = """inline:
[model]
type = "map"
name = "bigint"
dtype = "int64"
[states]
x = 9007199254740993
y = 9223372036854775807
[params]
a = 2
w = [9007199254740993, 3]
[equations.rhs]
x = "x + a"
y = "y - 1"
[events.big]
cond = "x > 9007199254740992"
log = ["x", "y"]
"""


@pytest.fixture
def big():
    return dynlib.setup(BIG)


def test_model_values_are_exact_ints(big):
    assert big.model.spec.states == {"x": TWO53_PLUS_1, "y": INT64_MAX}
    assert big.model.spec.params == {"a": 2, "w": [TWO53_PLUS_1, 3]}
    state = big.state()
    assert state.dtype == np.int64 and state.tolist() == [TWO53_PLUS_1, INT64_MAX]
    assert big.state("y") == INT64_MAX and isinstance(big.state("y"), int)
    assert big.param("w") == [TWO53_PLUS_1, 3]
    assert big.param_vector().dtype == np.int64
    assert big.param_dict() == {"a": 2, "w[0]": TWO53_PLUS_1, "w[1]": 3}
    assert big.state_dict(source="model") == {"x": TWO53_PLUS_1, "y": INT64_MAX}


def test_step_columns_and_final_state(big):
    res = big.run(N=1)
    x, y = res["x"], res["y"]
    assert x.dtype == np.int64 and y.dtype == np.int64
    assert x.tolist() == [TWO53_PLUS_1, TWO53_PLUS_1 + 2]
    assert y.tolist() == [INT64_MAX, INT64_MAX - 1]
    assert res.final_state.dtype == np.int64
    assert res.final_state.tolist() == [TWO53_PLUS_1 + 2, INT64_MAX - 1]
    assert big.state().tolist() == [TWO53_PLUS_1 + 2, INT64_MAX - 1]
    event = res.event("big")
    assert event["x"].dtype == np.int64 and event["x"].tolist() == [TWO53_PLUS_1 + 2]
    assert event["y"].tolist() == [INT64_MAX - 1]


def test_ic_params_and_assign_take_python_and_numpy_ints(big):
    res = big.run(N=1, ic={"x": INT64_MAX, "y": np.int64(TWO53_PLUS_1)},
                  params={"a": -TWO53_PLUS_1, "w": np.array([INT64_MAX, 1], dtype=np.int64)})
    assert res["x"].tolist() == [INT64_MAX, INT64_MAX - TWO53_PLUS_1]
    assert res["y"].tolist() == [TWO53_PLUS_1, TWO53_PLUS_1 - 1]
    assert big.param("a") == -TWO53_PLUS_1 and big.param("w") == [INT64_MAX, 1]
    big.assign(x=TWO53_PLUS_1 + 2, a=2)
    big.assign({"y": np.int64(-(2**63))})
    assert big.state().tolist() == [TWO53_PLUS_1 + 2, -(2**63)]
    res = big.run(N=2, resume=True)
    assert res.final_state.tolist() == [TWO53_PLUS_1 + 4, INT64_MAX]  # y wraps around
    # Whole floats are still taken where they are exact.
    big.assign(x=4.0)
    assert big.state("x") == 4


@pytest.mark.parametrize("value, says", [
    (2**63, "does not fit"),
    (-(2**63) - 1, "does not fit"),
    (1.5, "whole numbers"),
    (float("nan"), "whole numbers"),
])
def test_values_that_do_not_fit_are_refused_by_name(big, value, says):
    with pytest.raises(dynlib.DynlibError, match=f"state 'x'.*{says}"):
        big.run(N=1, ic={"x": value})
    with pytest.raises(dynlib.DynlibError, match=f"param 'a'.*{says}"):
        big.assign(a=value)
    with pytest.raises(dynlib.DynlibError, match=rf"w\[1\].*{says}"):
        big.assign(w=[1, value])


def test_float_models_take_ints_as_before():
    a = dynlib.setup("builtin://map/logistic").run(N=5, ic={"x": 0.25}, params={"r": 3})
    b = dynlib.setup("builtin://map/logistic").run(N=5, ic={"x": 0.25}, params={"r": 3.0})
    assert a["x"].dtype == np.float64 and np.array_equal(a["x"], b["x"])
    assert a.final_state.dtype == np.float64


def test_presets_keep_int64_values_exact(big, tmp_path):
    big.add_preset("far", states={"x": TWO53_PLUS_1 + 2}, params={"a": 3})
    big.add_preset("vector", states=np.array([TWO53_PLUS_1 + 4, INT64_MAX - 1], dtype=np.int64))
    big.apply_preset("far")
    assert big.state_dict()["x"] == TWO53_PLUS_1 + 2 and big.param("a") == 3
    big.apply_preset("vector")
    assert big.state_dict() == {"x": TWO53_PLUS_1 + 4, "y": INT64_MAX - 1}
    path = tmp_path / "presets.toml"
    path.write_text('[__presets__]\nschema = "dynlib-presets-v1"\n'
                    f"[presets.file.states]\nx = {TWO53_PLUS_1 + 6}\n")
    assert big.load_preset("file", path) == 1
    big.apply_preset("file")
    assert big.state_dict()["x"] == TWO53_PLUS_1 + 6


def test_every_element_of_an_int64_array_keeps_its_own_value():
    # Iterating a numpy array makes a fresh scalar per element; each must be read while it is
    # alive (a regression: freed scalars were read after the iteration, each one's memory then
    # holding a later element).
    model = BIG.replace("w = [9007199254740993, 3]", "w = [1, 2, 3, 4, 5, 6]")
    sim = dynlib.setup(model)
    values = np.array([TWO53_PLUS_1 + k for k in range(6)], dtype=np.int64)
    sim.run(N=1, params={"w": values})
    assert sim.param("w") == values.tolist()
    sim.assign(w=values[::-1].copy())
    assert sim.param("w") == values[::-1].tolist()
