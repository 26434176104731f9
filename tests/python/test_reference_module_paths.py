"""The reference's module paths for building a model from a TOML document held as a dict
(dynlib.dsl.parser, dynlib.dsl.spec, dynlib.compiler.build, dynlib.runtime.sim), checked with its
examples/presets_demo.py and the numbers the reference gives there (3 and 13 spikes)."""
import tomllib

import numpy as np
import pytest

import dynlib
from dynlib._toml_writer import toml_dumps
from dynlib.compiler.build import build
from dynlib.dsl.parser import parse_model_v2
from dynlib.dsl.spec import ModelSpec, build_spec
from dynlib.runtime.sim import Sim

IZHIKEVICH = """
[model]
type = "ode"
name = "Izhikevich Neuron (Simple)"
[states]
v = -65.0
u = -13.0
[params]
a = 0.02
b = 0.2
c = -65.0
d = 8.0
I = 10.0
[equations.rhs]
v = "0.04*v*v + 5*v + 140 - u + I"
u = "a*(b*v - u)"
[events.spike]
phase = "end"
cond = "v >= 30"
log = ["t"]
[events.spike.action]
v = "c"
u = "u + d"
[sim]
t0 = 0.0
t_end = 200.0
dt = 0.25
stepper = "euler"
record = true
[presets.regular_spiking.params]
I = 10.0
[presets.fast_spiking.params]
a = 0.1
d = 2.0
"""


def spike_count(sim, preset):
    sim.reset()
    sim.apply_preset(preset)
    sim.run(T=100.0)
    return sim.results().event.summary().get("spike", 0)


@pytest.mark.parametrize("jit", [False, True])
def test_the_reference_presets_demo(jit):
    spec = build_spec(parse_model_v2(tomllib.loads(IZHIKEVICH)))
    assert isinstance(spec, ModelSpec) and spec.sim.stepper == "euler" and spec.sim.dt == 0.25
    assert spec.name == "Izhikevich Neuron (Simple)" and list(spec.states) == ["v", "u"]
    model = build(spec, stepper=spec.sim.stepper, jit=jit)
    sim = Sim(model)
    assert sim.list_presets() == ["fast_spiking", "regular_spiking"]
    assert spike_count(sim, "regular_spiking") == 3  # the reference's figures
    assert spike_count(sim, "fast_spiking") == 13


def test_the_spec_is_the_same_model_as_the_text():
    spec = build_spec(parse_model_v2(tomllib.loads(IZHIKEVICH)))
    direct = dynlib.build("inline:\n" + IZHIKEVICH)
    assert spec.hash == direct.spec.hash
    a = Sim(build(spec)).run(T=50.0)
    b = dynlib.Sim(direct).run(T=50.0)
    assert np.array_equal(a["v"], b["v"])


def test_document_errors():
    with pytest.raises(TypeError):
        parse_model_v2("[model]")
    with pytest.raises(dynlib.ModelError, match=r"\[model\]"):
        parse_model_v2({"states": {"x": 1.0}})
    doc = tomllib.loads(IZHIKEVICH)
    doc["equations"]["rhs"]["v"] = "0.04*v*vv"
    with pytest.raises(dynlib.ModelError, match="unknown name 'vv'"):
        build_spec(parse_model_v2(doc))


def test_the_toml_writer_reads_back_as_written():
    doc = {"model": {"type": "map", "name": 'a "quoted" name'},
           "states": {"x": 0.5, "n": 3},
           "events": {"e": {"cond": "x > 1", "log": ["t", "x"], "action": {"x": "0"}}},
           "sim": {"record": False, "stop": {"cond": "x > 2", "phase": "post"},
                   "dt_max": float("inf")}}
    assert tomllib.loads(toml_dumps(doc)) == doc
