"""Per-initial-condition params of basin_known and basin_auto (the reference's `params`): on
x' = p * w[1] - x every initial condition's label follows its own parameter row (shape
(n_ic, n_params), sim.param_vector() order), one row applies to all, thread counts do not change
labels, and wrong shapes or per-IC params with refine are errors naming the expected shape."""
import numpy as np
import pytest

import dynlib
from dynlib.analysis import UNRESOLVED, FixedPoint, basin_auto, basin_axis, basin_known, basin_points

RELAX = """inline:
[model]
type = "ode"
name = "relax_to_p"
[states]
x = 0.0
[params]
p = 0.0
w = [0.0, 1.0]
[equations.rhs]
x = "p * w[1] - x"
[sim]
dt = 0.05
stepper = "rk4"
"""

WELLS = [FixedPoint(name="minus", loc=[-1.0], radius=0.05),
         FixedPoint(name="plus", loc=[1.0], radius=0.05)]


def family(n=30):
    x = np.linspace(-3, 3, n)
    p = np.where(np.arange(n) * 7 % 3 == 0, 1.0, -1.0)
    w1 = np.where(np.arange(n) % 5 == 4, -1.0, 1.0)
    params = np.column_stack([p, np.zeros(n), w1])  # p, w[0], w[1]
    return basin_points(x[:, None], vars=["x"]), params, (p * w1 > 0).astype(int)


def test_known_label_follows_each_ics_params():
    sim = dynlib.setup(RELAX)
    sim.assign(p=5.0)  # would leave both attractors unreached if it leaked into the runs
    ic, params, expected = family()
    assert sim.param_vector().size == params.shape[1] == 3
    one = basin_known(sim, WELLS, ic=ic, params=params, max_samples=400, parallel_mode="none")
    np.testing.assert_array_equal(one.labels, expected)
    two = basin_known(sim, WELLS, ic=ic, params=params, max_samples=400, max_workers=2)
    np.testing.assert_array_equal(two.labels, one.labels)
    assert sim.param("p") == 5.0
    own = basin_known(sim, WELLS, ic=ic, max_samples=400)
    assert (own.labels == UNRESOLVED).all()


def test_one_row_applies_to_every_ic_and_works_with_refine():
    sim = dynlib.setup(RELAX)
    grid = {"x": basin_axis(-2, 2, n=17)}
    row = basin_known(sim, WELLS, ic=grid, params=[1.0, 0.0, 1.0], max_samples=400)
    same = basin_known(sim, WELLS, ic=grid, params=np.array([[1.0, 0.0, 1.0]]), max_samples=400,
                       refine=True, coarse_factor=4)
    assert (row.labels == 1).all()
    np.testing.assert_array_equal(same.labels, row.labels)


def test_auto_labels_group_by_params():
    sim = dynlib.setup(RELAX)
    ic, params, expected = family()
    res = basin_auto(sim, ic=ic, params=params, obs_min=-3, obs_max=3, grid_res=60,
                     max_samples=400, transient_samples=100, u_th=0.05, batch_size=7,
                     max_workers=2)
    assert len(res.registry) == 2
    np.testing.assert_array_equal(res.labels, np.where(expected == expected[0], 0, 1))


def test_wrong_shapes_and_refine_are_errors():
    sim = dynlib.setup(RELAX)
    ic, params, _ = family()
    with pytest.raises(ValueError, match=r"expected \(n_ic, 3\) or \(3,\), got \(30, 2\)"):
        basin_known(sim, WELLS, ic=ic, params=params[:, :2])
    with pytest.raises(ValueError, match=r"expected \(n_ic, 3\)"):
        basin_auto(sim, ic=ic, params=np.zeros((2, 3, 3)), obs_min=-3, obs_max=3)
    with pytest.raises(dynlib.DynlibError, match=r"expected shape \(30, 3\)"):
        basin_known(sim, WELLS, ic=ic, params=params[:-1], max_samples=10)
    with pytest.raises(dynlib.DynlibError, match=r"expected shape \(30, 3\)"):
        basin_auto(sim, ic=ic, params=params[:-1], obs_min=-3, obs_max=3, max_samples=100)
    with pytest.raises(ValueError, match="refine"):
        basin_known(sim, WELLS, ic={"x": basin_axis(-2, 2, n=17)}, params=np.ones((17, 3)),
                    refine=True)
