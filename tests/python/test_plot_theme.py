"""dynlib.plot.theme: presets, tokens -> rcParams, overrides, push/pop/temp, palettes."""
import io

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import dynlib  # noqa: E402
from dynlib.plot import series, theme  # noqa: E402
from dynlib.plot import _common  # noqa: E402

rc = matplotlib.rcParams


@pytest.fixture(autouse=True)
def reset_theme():
    theme.use("notebook")
    yield
    while True:  # drop anything a failed test left pushed
        before = rc.copy()
        theme.pop()
        if rc == before:
            break
    theme.use("notebook")
    plt.close("all")


def cycle_colors():
    return [to_hex(c["color"]) for c in rc["axes.prop_cycle"]]


def test_presets_of_the_reference_set_rcparams():
    assert {"notebook", "paper", "talk", "dark", "mono"} <= set(theme.presets())
    theme.use("paper")
    assert theme.get("grid") is False and rc["axes.grid"] is False
    assert rc["lines.linewidth"] == 1.4 and theme.get("tick_n") == 6
    theme.use("talk")
    assert theme.get("scale") == 1.4
    assert rc["axes.labelsize"] == pytest.approx(12.0 * 1.4)
    assert theme.get("figsize") == pytest.approx((6.0 * 1.4, 4.0 * 1.4))
    theme.use("dark")
    assert to_hex(rc["axes.facecolor"]) == "#111111" and to_hex(rc["text.color"]) == "#f2f2f2"
    theme.use("mono")
    assert cycle_colors()[0] == "#111111"


def test_update_tokens_and_rc_then_use_drops_them():
    theme.update(grid=False, line_w=3.0, rc={"lines.linestyle": ":"})
    assert rc["axes.grid"] is False and rc["lines.linewidth"] == 3.0
    assert rc["lines.linestyle"] == ":"
    theme.update(tokens={"grid": "y"})
    assert rc["axes.grid"] is True and rc["axes.grid.axis"] == "y"
    theme.use("notebook")
    assert theme.get("line_w") == 1.8 and rc["lines.linestyle"] == "-"


def test_unknown_names_are_rejected_and_leave_the_theme_alone():
    with pytest.raises(ValueError, match="unknown theme token.*gird"):
        theme.update(gird=True)
    with pytest.raises(ValueError, match="unknown theme preset 'poster'"):
        theme.use("poster")
    with pytest.raises(ValueError, match="unknown palette 'neon'"):
        theme.update(palette="neon")
    assert theme.get("palette") == "cbf" and cycle_colors()[0] == "#0072b2"
    with pytest.raises(KeyError, match="unknown theme token"):
        theme.get("nothing")
    # _common.theme_value turns unknown tokens into its default
    assert _common.theme_value("nothing", 7) == 7
    assert _common.theme_value("line_w") == 1.8


def test_push_pop_and_temp_restore():
    theme.push(tokens={"palette": "mono"}, grid=False)
    assert cycle_colors()[0] == "#111111" and rc["axes.grid"] is False
    theme.pop()
    assert cycle_colors()[0] == "#0072b2" and rc["axes.grid"] is True
    theme.pop()  # nothing pushed: no-op
    with theme.temp(line_w=4.0, rc={"axes.titlesize": 20}):
        assert rc["lines.linewidth"] == 4.0 and rc["axes.titlesize"] == 20
    assert rc["lines.linewidth"] == 1.8 and rc["axes.titlesize"] == 13.0

    @theme.temp(background="dark")
    def dark_face():
        return to_hex(rc["axes.facecolor"])

    assert dark_face() == "#111111" and to_hex(rc["axes.facecolor"]) == "#ffffff"


def test_register_palette_and_preset():
    theme.register_palette("traffic", ["#ff0000", "#ffff00", "#00ff00"])
    theme.update(color_cycle="traffic")
    assert cycle_colors() == ["#ff0000", "#ffff00", "#00ff00"]
    assert theme.get("palette") == "traffic"
    theme.register_preset(theme.ThemeSpec(name="poster", inherits="talk",
                                          tokens={"fontsize_title": 20.0},
                                          rc={"axes.titleweight": "bold"}))
    theme.use("poster")
    assert theme.get("scale") == 1.4  # inherited from talk
    assert rc["axes.titlesize"] == pytest.approx(28.0) and rc["axes.titleweight"] == "bold"
    with pytest.raises(ValueError, match="unknown theme token"):
        theme.register_preset(theme.ThemeSpec(name="bad", tokens={"size": 3}))
    with pytest.raises(ValueError, match="inherits from unknown preset"):
        theme.use(theme.ThemeSpec(name="orphan", inherits="missing"))


def test_theme_shapes_a_drawn_figure():
    sim = dynlib.setup("builtin://map/logistic", jit=False)
    sim.run(N=40)
    res = sim.results()
    theme.use("dark", tokens={"tick_n": 3, "minor_ticks": True, "scale": 0.5})
    ax = series.line(res, y="x")
    assert tuple(ax.figure.get_size_inches()) == (3.0, 2.0)
    assert to_hex(ax.get_facecolor()) == "#111111"
    assert to_hex(ax.lines[0].get_color()) == "#0072b2"
    assert len(ax.get_yticks()) <= 5  # MaxNLocator(3) gives at most nbins + 1 (+ 1 edge) ticks
    assert len(ax.yaxis.get_minorticklocs()) > 0
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=40)
    buffer.seek(0)
    pixels = mpimg.imread(buffer)[..., :3]
    assert np.var(pixels) > 0 and pixels.mean() < 0.5  # mostly dark
