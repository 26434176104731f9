"""Mods through build()/setup() (docs/modeling.md, Mods), and build()'s config= and
validate_stepper=, checked by what the modified model does."""
import textwrap

import numpy as np
import pytest

import dynlib
from dynlib.compiler.paths import PathConfig, load_config
from dynlib.errors import ModelLoadError

# A ball: falls with gravity g, bounces (v -> -e v) when it hits the floor.
BALL = textwrap.dedent("""\
    [model]
    type = "ode"
    name = "ball"

    [states]
    h = 10.0
    v = 0.0

    [params]
    g = 9.81
    rest = 0.8

    [functions.drag]
    args = ["v"]
    expr = "0 * v"

    [aux]
    height = "h"

    [equations.rhs]
    h = "v"
    v = "-g - drag(v)"

    [events.bounce]
    phase = "end"
    cond = "cross_down(h, 0)"
    action = "v = -rest * v; h = 0"
    log = ["t"]

    [sim]
    dt = 0.001
    t_end = 5.0

    [mods.moon]
    set.params = { g = 1.62 }

    [mods.dead]
    group = "floor"
    exclusive = true
    [mods.dead.set.params]
    rest = 0.0

    [mods.elastic]
    group = "floor"
    exclusive = true
    [mods.elastic.set.params]
    rest = 1.0
""")


@pytest.fixture
def ball(tmp_path):
    path = tmp_path / "ball.toml"
    path.write_text(BALL)
    return str(path)


def run(model, record_vars=None, **build_kw):
    sim = dynlib.setup(model, stepper="rk4", **build_kw)
    if record_vars is None:
        sim.run(T=5.0, dt=0.001)
    else:
        sim.run(T=5.0, dt=0.001, record_vars=record_vars)
    return sim.results()


def inline_mod(body):
    return "inline:\n[mod]\nname = \"m\"\n" + textwrap.dedent(body)


def test_in_file_mod_by_fragment_changes_the_run(ball):
    earth = run(ball)
    moon = run(ball + "#mod=moon")
    # First bounce at sqrt(2 h / g).
    assert earth.event("bounce").t[0] == pytest.approx(np.sqrt(2 * 10 / 9.81), abs=2e-3)
    assert moon.event("bounce").t[0] == pytest.approx(np.sqrt(2 * 10 / 1.62), abs=2e-3)
    model = dynlib.build(ball, mods=[ball + "#mod=moon"])
    assert model.spec.param_values[model.spec.param_names.index("g")] == [1.62]
    assert model.spec.hash != dynlib.build(ball).spec.hash


def test_set_states_and_params(ball):
    res = run(ball, mods=[inline_mod("""
        [mod.set.states]
        h = 2.0
        [mod.set.params]
        g = 4.0
        """)])
    assert res.event("bounce").t[0] == pytest.approx(1.0, abs=2e-3)  # sqrt(2*2/4)
    assert res["h"][0] == 2.0


def test_remove_event_and_add_event(ball):
    res = run(ball, mods=[inline_mod("""
        [mod.remove.events]
        names = ["bounce"]
        [mod.add.events.floor]
        phase = "end"
        cond = "cross_down(h, 0)"
        action = "v = 0; h = 0"
        log = ["t", "v"]
        """)])
    assert list(res.events) == ["floor"]
    assert len(res.event("floor").t) >= 1
    with pytest.raises(Exception):
        res.event("bounce")
    # Without the bounce the ball stops at the floor once, then falls through it.
    assert len(res.event("floor").t) == 1
    assert res.event("floor").t[0] == pytest.approx(np.sqrt(2 * 10 / 9.81), abs=2e-3)
    assert res["h"][-1] < -1.0


def test_replace_event_function_and_aux(ball):
    mod = inline_mod("""
        [mod.replace.events.bounce]
        phase = "end"
        cond = "cross_down(h, 0)"
        action = "v = -0.5 * v; h = 0"
        log = ["t", "v"]
        [mod.replace.functions.drag]
        args = ["v"]
        expr = "0.1 * v"
        [mod.replace.aux]
        height = "2 * h"
        """)
    res = run(ball, mods=[mod], record_vars=["h", "v", "height"])
    log = res.event("bounce")
    assert len(log.t) >= 2
    model = dynlib.build(ball, mods=[mod])
    assert model.spec.event_names == ["bounce"]
    # Drag (0.1 v, opposing the fall) makes the first hit later than without.
    assert log.t[0] > run(ball).event("bounce").t[0] + 0.01
    assert np.allclose(res["height"], 2 * res["h"])


def test_add_params_aux_functions(ball):
    res = run(ball, mods=[inline_mod("""
        [mod.add.params]
        k = 3.0
        [mod.add.functions.triple]
        args = ["a"]
        expr = "k * a"
        [mod.add.aux]
        h3 = "triple(h)"
        """)], record_vars=["h", "h3"])
    assert np.allclose(res["h3"], 3 * res["h"])


def test_remove_params_and_aux(ball):
    model = dynlib.build(ball, mods=[inline_mod("""
        [mod.remove.aux]
        names = ["height"]
        [mod.replace.events.bounce]
        cond = "cross_down(h, 0)"
        action = "v = -0.5 * v"
        [mod.remove.params]
        names = ["rest"]
        [mod.replace.functions.drag]
        args = ["v"]
        expr = "v"
        """)])
    assert model.spec.aux_names == []
    assert model.spec.param_names == ["g"]


def test_mod_file_and_several_mods_in_order(ball, tmp_path):
    half = tmp_path / "half.toml"
    half.write_text('[mod]\nname = "half"\n[mod.set.params]\ng = 4.905\n')
    quarter = tmp_path / "quarter.toml"
    quarter.write_text('[mods.q.set.params]\ng = 2.4525\n[mods.other.set.params]\nrest = 0.1\n')
    g_of = lambda m: m.spec.param_values[m.spec.param_names.index("g")][0]  # noqa: E731
    assert g_of(dynlib.build(ball, mods=[str(half)])) == 4.905
    assert g_of(dynlib.build(ball, mods=[half])) == 4.905  # path-like
    assert g_of(dynlib.build(ball, mods=[str(half), f"{quarter}#mod=q"])) == 2.4525
    assert g_of(dynlib.build(ball, mods=[f"{quarter}#mod=q", str(half)])) == 4.905
    # The model URI's own mod comes first.
    assert g_of(dynlib.build(ball + "#mod=moon", mods=[str(half)])) == 4.905
    with pytest.raises(ModelLoadError, match="several mods"):
        dynlib.build(ball, mods=[str(quarter)])


def test_exclusive_group_conflict(ball):
    with pytest.raises(ModelLoadError, match="group 'floor' allows only one active mod") as info:
        dynlib.build(ball, mods=[ball + "#mod=dead", ball + "#mod=elastic"])
    assert info.value.file == ball
    assert info.value.line > 0
    res = run(ball, mods=[ball + "#mod=dead"])
    bounce = res.event("bounce")
    assert np.all(res["h"][res.t > bounce.t[0] + 0.01] < 1e-6)


def test_errors_name_the_mod_file_line_column_and_suggest(ball, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[mod]\nname = "bad"\n\n[mod.remove.events]\nnames = ["bounse"]\n')
    with pytest.raises(ModelLoadError) as info:
        dynlib.build(ball, mods=[str(bad)])
    err = info.value
    assert (err.file, err.line, err.column) == (str(bad), 5, 10)
    assert "did you mean 'bounce'?" in err.hint
    with pytest.raises(ModelLoadError, match="no mod 'mon'") as info:
        dynlib.build(ball + "#mod=mon")
    assert "did you mean 'moon'?" in info.value.hint
    with pytest.raises(ModelLoadError, match="add.states is not supported"):
        dynlib.build(ball, mods=[inline_mod("[mod.add.states]\nz = 1.0\n")])


def test_mods_argument_types(ball):
    with pytest.raises(TypeError, match="mods"):
        dynlib.build(ball, mods=42)
    # A single URI is taken as a list of one.
    m = dynlib.build(ball, mods=ball + "#mod=moon")
    assert m.spec.param_values[m.spec.param_names.index("g")] == [1.62]


def test_mods_survive_rebuild_with_another_stepper(ball):
    sim = dynlib.setup(ball + "#mod=moon", stepper="euler")
    sim2 = dynlib.Sim(dynlib.build(ball, mods=[ball + "#mod=moon"], stepper="rk4"))
    assert sim.model.spec.hash == sim2.model.spec.hash


def test_config_resolves_tags(ball, tmp_path):
    root = tmp_path / "lib"
    (root / "mods").mkdir(parents=True)
    (root / "ball.toml").write_text(BALL)
    (root / "mods" / "moon.toml").write_text('[mod]\nname = "m"\n[mod.set.params]\ng = 1.62\n')
    config = PathConfig(tags={"proj": [str(root)]})
    model = dynlib.build("proj://ball", mods=["proj://mods/moon"], config=config)
    assert model.spec.param_values[model.spec.param_names.index("g")] == [1.62]
    # A single root as a str, as the reference's config file allows.
    assert dynlib.setup("proj://ball", config=PathConfig(tags={"proj": str(root)})).model
    # Without the config the tag is unknown; builtin:// stays known with it.
    with pytest.raises(dynlib.ModelNotFoundError):
        dynlib.build("proj://ball")
    assert dynlib.build("builtin://ode/lorenz", config=config).spec.name == "lorenz"
    # A config file's path works too, and load_config reads one.
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[paths]\nproj = "{root}"\n[cache]\nroot = "{tmp_path}/cache"\n')
    assert dynlib.build("proj://ball", config=str(cfg)).spec.name == "ball"
    loaded = load_config(cfg)
    assert loaded.tags == {"proj": [str(root)]}
    assert loaded.cache_root == f"{tmp_path}/cache"
    assert dynlib.build("proj://ball#mod=moon", config=loaded).spec.param_values[0] == [1.62]
    with pytest.raises(dynlib.ConfigError):
        dynlib.build("proj://ball", config=str(tmp_path / "missing.toml"))
    with pytest.raises(TypeError, match="config"):
        dynlib.build(ball, config=3)


def test_load_config_default_reads_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DYN_MODEL_PATH", f"envtag={tmp_path}")
    assert load_config().tags["envtag"] == [str(tmp_path)]


def test_validate_stepper(ball):
    on = run(ball, validate_stepper=True)
    off = run(ball, validate_stepper=False)
    assert np.array_equal(on["h"], off["h"])
    assert dynlib.build(ball, validate_stepper=False).stepper_name == "rk4"
    with pytest.raises(TypeError, match="validate_stepper"):
        dynlib.build(ball, validate_stepper="yes")


def test_reference_detect_transition_example():
    # examples/detect_transition.py of the reference: an inline mod adds a logging-only event.
    detect_mod = '''
inline:
[mod]
name = "detect_transition"

[mod.add.events.detect]
cond = "cross_up(x, 0)"
phase = "end"
log = ["t"]
'''
    sim = dynlib.setup("builtin://ode/lorenz", stepper="rk4", jit=False, mods=[detect_mod])
    sim.config(dt=0.01)
    sim.run(T=50.0, transient=10.0)
    res = sim.results()
    ev = res.event("detect")
    assert len(ev.t) > 5
    x = res["x"]
    for t in ev.t:  # x has just crossed 0 upward at each logged time
        i = int(np.argmin(np.abs(res.t - t)))
        assert x[i] >= 0 and x[i - 1] < 0


def test_cli_mod_flag(cli, ball, tmp_path):
    import subprocess
    moon = tmp_path / "moon.toml"
    moon.write_text('[mod]\nname = "moon"\n[mod.set.params]\ng = 1.62\n')
    out = tmp_path / "run.csv"

    def first_bounce(*args):
        subprocess.run([cli, "run", *args, "--stepper", "rk4", "-T", "5", "--dt", "0.001",
                        "--out", str(out), "-q"], check=True, capture_output=True, text=True)
        rows = (tmp_path / "run.events.csv").read_text().splitlines()
        return float(rows[1].split(",")[1])

    assert first_bounce("--mod", str(moon), ball) == pytest.approx(np.sqrt(20 / 1.62), abs=2e-3)
    assert first_bounce(ball + "#mod=moon") == pytest.approx(np.sqrt(20 / 1.62), abs=2e-3)
    assert first_bounce(ball) == pytest.approx(np.sqrt(20 / 9.81), abs=2e-3)


def test_config_cache_root_holds_the_builds_native_kernels(tmp_path, monkeypatch):
    # A private user cache, so the default root is known and can be checked untouched.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    root = tmp_path / "project-cache"
    model = "inline:\n[model]\ntype='map'\nname='cache_root_probe'\n[states]\nx=0.25\n" \
            "[params]\nr=3.7\n[equations.rhs]\nx='r*x*(1-x)'\n"
    cfg = PathConfig(tags={}, cache_root=str(root))
    built = dynlib.build(model, jit=True, disk_cache=True, config=cfg)
    assert built.build_stats["kernel_source"] == "compiled"
    entries = [p for p in root.rglob("*") if p.is_file()]
    assert entries, "no kernel written under the config's cache_root"
    assert not (tmp_path / "user-cache").exists() or not any((tmp_path / "user-cache").rglob("*.so"))
