"""The reference's stepper registry functions: list_steppers, select_steppers, get_stepper,
registry, with the reference's StepperMeta/StepperCaps fields."""
import pytest

import dynlib
from dynlib.stepper_registry import StepperCaps, StepperInfo


def test_listing_by_kind_scheme_and_time_control():
    odes = dynlib.list_steppers(kind="ode")
    assert {"euler", "rk2", "rk4", "rk45", "ab2", "ab3", "bdf2", "sdirk2"} <= set(odes)
    assert "map" not in odes and dynlib.list_steppers(kind="map") == ["map"]
    implicit = dynlib.list_steppers(kind="ode", scheme="implicit")
    assert {"bdf2", "bdf2a", "sdirk2", "tr-bdf2a"} <= set(implicit) and "rk4" not in implicit
    adaptive = dynlib.list_steppers(time_control="adaptive")
    assert "rk45" in adaptive and "rk4" not in adaptive
    assert set(dynlib.list_steppers(stiff=True)) <= set(odes)
    # The listing is the compiled registry's: every stepper there, once.
    assert sorted(dynlib.list_steppers()) == sorted(s["name"] for s in dynlib.steppers())


def test_select_by_caps_pattern_and_predicate():
    jac = dynlib.select_steppers(jacobian="optional")
    assert all(isinstance(i, StepperInfo) and i.caps.jacobian == "optional" for i in jac)
    assert {"bdf2", "sdirk2"} <= {i.name for i in jac}
    assert [i.name for i in dynlib.select_steppers(name_pattern="ab*")] == ["ab2", "ab3"]
    high = dynlib.select_steppers(kind="ode", predicate=lambda i: i.order >= 4)
    assert "rk4" in {i.name for i in high} and "euler" not in {i.name for i in high}
    with pytest.raises(TypeError, match="unknown stepper filter field"):
        dynlib.select_steppers(speed="fast")


def test_get_stepper_resolves_aliases_and_suggests():
    rk45 = dynlib.get_stepper("rk45")
    assert rk45.meta.order == 5 and rk45.meta.time_control == "adaptive"
    assert rk45.meta.family == "runge-kutta" and isinstance(rk45.meta.caps, StepperCaps)
    for alias in rk45.meta.aliases:
        assert dynlib.get_stepper(alias) == rk45
    assert dynlib.get_stepper("map").meta.family == "iter"
    with pytest.raises(KeyError, match="did you mean 'rk4'"):
        dynlib.get_stepper("rk44")
    table = dynlib.registry()
    assert table["rk4"].meta.name == "rk4" and set(rk45.meta.aliases) <= set(table)
