"""The reference's event views on Results: res.event(name) / res.event(tag=...), the discovery
methods, row selections (time/head/tail/sort), tables, flags and to_pandas()."""
import numpy as np
import pytest

import dynlib

# A counter x (0, 1, 2, ...) and a toggle p (0, 1, 0, ...): "odd" fires on every step that lands
# on p = 1, "late" on every step with x > 6; both are tagged "grp", "odd" also "parity".
MODEL = """inline:
[model]
type = "map"
[states]
x = 0.0
p = 0.0
[equations.rhs]
x = "x + 1"
p = "1 - p"
[events.odd]
cond = "p > 0.5"
action = "p = p"
tags = ["grp", "parity"]
log = ["t", "x"]
[events.late]
cond = "x > 6"
action = "x = x"
tags = ["grp"]
log = ["x", "p"]
"""


@pytest.fixture(scope="module")
def res():
    return dynlib.setup(MODEL).run(N=10)


def test_one_event_view_has_the_log_api_and_counts(res):
    odd = res.event("odd")
    assert odd.name == "odd" and list(odd.tags) == ["grp", "parity"]
    assert list(odd.fields) == ["t", "x"] and odd.count == len(odd) == 5
    assert np.array_equal(odd["x"], [1, 3, 5, 7, 9])
    assert np.array_equal(odd.t, odd["t"])
    # Unfiltered: the engine's arrays themselves (views).
    assert not odd.t.flags.owndata and not odd.t.flags.writeable
    assert odd[["t", "x"]].shape == (5, 2) and np.array_equal(odd.table(), odd[["t", "x"]])
    assert list(odd.values) == ["t", "x"]


def test_row_selections_chain_and_copy(res):
    odd = res.event("odd")
    window = odd.time(2.5, 7.5)
    assert np.array_equal(window["x"], [3, 5, 7]) and window.count == 3
    assert np.array_equal(window.head(2)["x"], [3, 5])
    assert np.array_equal(window.tail(1)["x"], [7]) and odd.tail(0).count == 0
    assert np.array_equal(odd.sort("x")["x"], odd["x"])
    late = res.event("late")
    # Sorting by p: the p = 0 rows first, each group in firing order (stable).
    by_p = late.sort("p")
    assert np.all(np.diff(by_p["p"]) >= 0)
    assert np.array_equal(by_p["x"], np.concatenate([late["x"][late["p"] == 0],
                                                     late["x"][late["p"] == 1]]))
    assert np.array_equal(late.record_index[:1], late.head(1).record_index)


def test_time_of_an_event_that_does_not_log_t_is_its_firing_time(res):
    late = res.event("late")
    assert "t" not in late.fields
    assert np.array_equal(late["t"], late.t) and np.array_equal(late.t, late["x"])


def test_unknown_names_say_what_exists(res):
    with pytest.raises(KeyError, match="did you mean 'x'"):
        res.event("odd")["xx"]
    with pytest.raises(dynlib.DynlibError, match="did you mean 'odd'"):
        res.event("od")
    with pytest.raises(KeyError, match="did you mean 'grp'"):
        res.event(tag="gpr")
    with pytest.raises(ValueError, match="exactly one"):
        res.event()
    with pytest.raises(ValueError, match="exactly one"):
        res.event("odd", tag="grp")


def test_discovery(res):
    assert res.event_names() == ("odd", "late") == res.event.names()
    assert res.event_fields("late") == ("x", "p") == res.event.fields("late")
    assert res.tag_names() == ("grp", "parity") == res.event.tags()
    assert res.events_by_tag("grp") == ("odd", "late") == res.event.by_tag("grp")
    assert res.event.summary() == {"odd": 5, "late": 4}


def test_tag_group_concatenates_members(res):
    grp = res.event(tag="grp")
    assert grp.names == ("odd", "late") and grp.counts() == {"odd": 5, "late": 4}
    assert grp.fields() == ("x",) and grp.fields("union") == ("t", "x", "p")
    assert np.array_equal(grp["x"], np.concatenate([res.event("odd")["x"],
                                                    res.event("late")["x"]]))
    assert grp.t.shape == (9,)
    with pytest.raises(ValueError, match="not logged by every event"):
        grp["p"]
    union = grp.select(["x", "p"], mode="union")
    assert union.shape == (9, 2) and np.isnan(union[:5, 1]).all()
    assert np.array_equal(union[5:, 1], res.event("late")["p"])
    table = grp.table(["t", "x"], sort_by="t")
    assert np.all(np.diff(table[:, 0]) >= 0) and table.shape == (9, 2)
    with pytest.raises(ValueError, match="sort_by"):
        grp.table(["x"], sort_by="t")
    sorted_group = grp.sort("x")
    assert np.array_equal(sorted_group["x"], grp["x"])
    with pytest.raises(ValueError, match="mode"):
        grp.fields("all")


def test_flags_and_pandas(res):
    assert res.flags.shape == (len(res),) and np.all(res.flags == dynlib.OK)
    pd = pytest.importorskip("pandas")
    frame = res.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["t", "step", "flag", "x", "p"]
    assert np.array_equal(frame["x"].to_numpy(), res["x"]) and len(frame) == len(res)


def test_to_pandas_names_aux_columns_with_their_prefix():
    pytest.importorskip("pandas")
    res = dynlib.setup("builtin://ode/harmonic").run(T=0.1, record_vars=["x", "aux.energy"])
    frame = res.to_pandas()
    assert list(frame.columns) == ["t", "step", "flag", "x", "aux.energy"]
    assert np.array_equal(frame["aux.energy"].to_numpy(), res["aux.energy"])
