"""Preset banks and files (the reference's list_presets / apply_preset / add_preset /
load_preset / save_preset and its "dynlib-presets-v1" format)."""
import tomllib

import numpy as np
import pytest

import dynlib


def test_the_bank_starts_with_the_models_presets():
    sim = dynlib.setup("builtin://ode/izhikevich")
    assert sim.list_presets() == sorted(sim.presets)
    assert sim.list_presets("chat*") == ["chattering"]
    sim.apply_preset("chattering")
    assert sim.param("c") == -50.0 and sim.param("d") == 2.0
    with pytest.raises(KeyError, match="did you mean 'chattering'"):
        sim.apply_preset("chatering")


def test_model_presets_are_read_exactly(tmp_path):
    # regular_spiking sets a, b, c, d (models/ode/izhikevich.toml; params only, as the reference's).
    sim = dynlib.setup("builtin://ode/izhikevich")
    sim.save_preset("regular_spiking", tmp_path / "p.toml")
    with open(tmp_path / "p.toml", "rb") as f:
        doc = tomllib.load(f)
    assert doc["__presets__"]["schema"] == "dynlib-presets-v1"
    assert doc["presets"]["regular_spiking"] == {
        "params": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}}


def test_add_save_load_round_trip(tmp_path):
    sim = dynlib.setup("builtin://ode/izhikevich")
    sim.assign(I=12.5, v=-70.0)
    sim.add_preset("mine")  # the session's values
    sim.add_preset("only_a", params={"a": 0.1})
    sim.add_preset("vec", states=np.array([-60.0, -12.0]))
    with pytest.raises(ValueError, match="exists in this Sim's bank"):
        sim.add_preset("mine")
    with pytest.raises(ValueError, match="did you mean 'a'"):
        sim.add_preset("bad", params={"aa": 1.0})
    with pytest.raises(ValueError, match="needs 2 values"):
        sim.add_preset("bad", states=[1.0])
    path = tmp_path / "sub" / "bank.toml"
    for name in ("mine", "only_a", "vec"):
        sim.save_preset(name, path)
    with pytest.raises(ValueError, match="exists in"):
        sim.save_preset("mine", path)
    sim.save_preset("mine", path, overwrite=True)
    other = dynlib.setup("builtin://ode/izhikevich")
    assert other.load_preset("*", path) == 3
    assert set(other.list_presets()) >= {"mine", "only_a", "vec"}
    other.apply_preset("mine")
    assert other.param("I") == 12.5 and other.state("v") == -70.0
    other.apply_preset("only_a")  # sets a alone
    assert other.param("a") == 0.1 and other.param("I") == 12.5
    other.apply_preset("vec")
    assert other.state_vector().tolist() == [-60.0, -12.0]
    with pytest.raises(ValueError, match="exists in this Sim's bank"):
        other.load_preset("mine", path)
    with pytest.warns(RuntimeWarning, match="replaced"):
        assert other.load_preset("mine", path, on_conflict="replace") == 1
    with pytest.warns(RuntimeWarning, match="kept"):
        assert other.load_preset("mine", path, on_conflict="keep") == 0


def test_preset_files_are_checked(tmp_path):
    sim = dynlib.setup("builtin://ode/izhikevich")
    (tmp_path / "noschema.toml").write_text('[presets.x.params]\na = 1.0\n')
    with pytest.raises(ValueError, match="schema must be 'dynlib-presets-v1'"):
        sim.load_preset("x", tmp_path / "noschema.toml")
    (tmp_path / "bad.toml").write_text('[__presets__]\nschema = "dynlib-presets-v1"\n'
                                       '[presets.x.params]\nzz = 1.0\n')
    with pytest.raises(ValueError, match="unknown param 'zz'"):
        sim.load_preset("x", tmp_path / "bad.toml")
    with pytest.raises(ValueError, match="no preset matching 'y'"):
        sim.load_preset("y", tmp_path / "bad.toml")
    (tmp_path / "broken.toml").write_text("[presets\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        sim.load_preset("*", tmp_path / "broken.toml")
    # Saving into a file keeps what else it holds.
    (tmp_path / "other.toml").write_text('[__presets__]\nschema = "dynlib-presets-v1"\n'
                                         '[notes]\ntext = "keep \\"me\\""\n')
    sim.save_preset("chattering", tmp_path / "other.toml")
    with open(tmp_path / "other.toml", "rb") as f:
        doc = tomllib.load(f)
    assert doc["notes"]["text"] == 'keep "me"' and "chattering" in doc["presets"]
