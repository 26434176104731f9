"""Homoclinic and heteroclinic orbits of ODEs: finders that continue a connection in one parameter
and tracers that follow it (docs/connecting-orbits.md).

    from dynlib import setup
    from dynlib.analysis import homoclinic_finder, homoclinic_tracer

    sim = setup(MODEL)
    res = homoclinic_finder(sim, param="mu", param_min=-1.2, param_max=-0.6, param_init=-1.0,
                            eq_guess=[0.0, 0.0], preset="default", window=[(-3, 3), (-3, 3)])
    if res.success:
        tr = homoclinic_tracer(sim, param="mu", param_value=res.param_found, eq=res.miss.eq,
                               sign_u=res.miss.sign_u)

The reference dynlib's names, configs, presets and result types. The work runs in C++
(dynlib/connecting_orbits.hpp): the unstable branch is integrated by the Sim's own stepper, so the
interpreter and native kernels give the same bits. One formulation serves every n >= 2 (the 2D
and ND heteroclinic configs are both accepted); docs/porting.md lists where it differs from the
reference.
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Literal, Mapping, NamedTuple, Sequence

import numpy as np

from .. import _dynlib

__all__ = [
    "HeteroclinicRK45Config", "HeteroclinicBranchConfig", "HeteroclinicFinderConfig2D",
    "HeteroclinicFinderConfigND", "HeteroclinicTraceEvent", "HeteroclinicMissResult2D",
    "HeteroclinicMissResultND", "HeteroclinicFinderResult", "HeteroclinicTraceMeta",
    "HeteroclinicTraceResult", "HeteroclinicPreset", "heteroclinic_finder", "heteroclinic_tracer",
    "HomoclinicRK45Config", "HomoclinicBranchConfig", "HomoclinicFinderConfig",
    "HomoclinicMissResult", "HomoclinicFinderResult", "HomoclinicTraceEvent",
    "HomoclinicTraceMeta", "HomoclinicTraceResult", "HomoclinicPreset", "homoclinic_finder",
    "homoclinic_tracer",
]


# ---------------------------------------------------------------------------------------------
# Configs (the reference's fields and defaults)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HeteroclinicRK45Config:
    """How the Sim's stepper integrates a branch: rk45 with dt = dt0, dt_min = min_step, dt_max,
    atol, rtol, safety; at most max_steps steps. A fixed-step stepper steps with dt0."""
    dt0: float = 1e-3
    min_step: float = 1e-12
    dt_max: float = 1e-1
    atol: float = 1e-10
    rtol: float = 1e-7
    safety: float = 0.9
    max_steps: int = 2_000_000


@dataclass(frozen=True)
class HomoclinicRK45Config(HeteroclinicRK45Config):
    pass


@dataclass(frozen=True)
class HeteroclinicBranchConfig:
    eq_tol: float = 1e-12
    eq_max_iter: int = 40
    eq_track_max_dist: float | None = None
    eps_mode: Literal["leave", "fixed"] = "leave"
    eps: float = 1e-6
    eps_min: float = 1e-10
    eps_max: float = 1e-2
    r_leave: float = 1e-2
    t_leave_target: float = 0.05
    t_max: float = 500.0
    s_max: float = 1e6
    r_blow: float = 200.0
    window_min: Sequence[float] | np.ndarray | None = None
    window_max: Sequence[float] | np.ndarray | None = None
    t_min_event: float = 0.1
    require_leave_before_event: bool = True
    eig_real_tol: float = 1e-10
    eig_imag_tol: float = 1e-12
    strict_1d: bool = True
    jac: Literal["auto", "fd", "analytic"] = "auto"
    fd_eps: float = 1e-6
    rk: HeteroclinicRK45Config = field(default_factory=HeteroclinicRK45Config)
    r_exit: float = 0.0  # dynlib: the exit ball of the finders (0: 20·r_leave); docs/porting.md


@dataclass(frozen=True)
class HomoclinicBranchConfig:
    eq_tol: float = 1e-12
    eq_max_iter: int = 40
    eq_track_max_dist: float | None = None
    eps_mode: Literal["leave", "fixed"] = "leave"
    eps: float = 1e-6
    eps_min: float = 1e-10
    eps_max: float = 1e-2
    r_leave: float = 1e-2
    t_leave_target: float = 0.05
    r_sec: float = 1e-2
    t_min_event: float = 0.2
    t_max: float = 500.0
    s_max: float = 1e6
    r_blow: float = 200.0
    window_min: Sequence[float] | np.ndarray | None = None
    window_max: Sequence[float] | np.ndarray | None = None
    require_leave_before_event: bool = True
    eig_real_tol: float = 1e-10
    eig_imag_tol: float = 1e-12
    strict_1d: bool = True
    jac: Literal["auto", "fd", "analytic"] = "auto"
    fd_eps: float = 1e-6
    rk: HomoclinicRK45Config = field(default_factory=HomoclinicRK45Config)
    r_exit: float = 0.0  # dynlib: the exit ball of the finder (0: 20·r_leave); docs/porting.md


@dataclass(frozen=True)
class HomoclinicFinderConfig:
    trace: HomoclinicBranchConfig = field(default_factory=HomoclinicBranchConfig)
    scan_n: int = 61
    max_bisect: int = 60
    gap_tol: float = 1e-4
    x_tol: float = 1e-4
    branch_mode: Literal["auto", "fixed"] = "auto"
    sign_u: int = +1


@dataclass(frozen=True)
class HeteroclinicFinderConfig2D:
    eq_tol: float = 1e-12
    eq_max_iter: int = 40
    eq_track_max_dist: float | None = None
    trace_u: HeteroclinicBranchConfig = field(default_factory=HeteroclinicBranchConfig)
    trace_s: HeteroclinicBranchConfig = field(default_factory=HeteroclinicBranchConfig)
    scan_n: int = 61
    max_bisect: int = 60
    x_tol: float = 1e-4
    gap_tol: float = 1e-6
    gap_fac: float = 2.0
    branch_mode: Literal["auto", "fixed"] = "auto"
    sign_u: int = +1
    sign_s: int = +1
    r_sec: float | None = None
    r_sec_mult: float = 20.0
    r_sec_min_mult: float = 2.0


@dataclass(frozen=True)
class HeteroclinicFinderConfigND(HeteroclinicFinderConfig2D):
    gap_tol: float = 1e-4
    tau_min: float = 1e-10  # accepted for the reference's scripts; the tube section needs no tangent


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
@dataclass
class HeteroclinicTraceEvent:
    kind: str
    t: float
    x: np.ndarray
    info: dict[str, object] = field(default_factory=dict)


@dataclass
class HomoclinicTraceEvent(HeteroclinicTraceEvent):
    pass


@dataclass
class HeteroclinicMissResult2D:
    qualified: bool
    param_value: float
    source_eq: np.ndarray
    target_eq: np.ndarray
    sign_u: int
    sign_s: int
    x_u_cross: np.ndarray
    x_s_cross: np.ndarray
    theta_u_raw: float
    theta_s_raw: float
    theta_u: float
    theta_s: float
    g: float
    q: float
    status_u: str
    status_s: str
    status: str
    diag: dict[str, object]


@dataclass
class HeteroclinicMissResultND:
    qualified: bool
    param_value: float
    source_eq: np.ndarray
    target_eq: np.ndarray
    sign_u: int
    sign_s: int
    n_B: np.ndarray
    tau: np.ndarray
    r_sec: float
    x_u_cross: np.ndarray
    x_s_cross: np.ndarray
    s_u: float
    s_s: float
    g: float
    q: float
    status_u: str
    status_s: str
    status: str
    diag: dict[str, object]


class HeteroclinicFinderResult(NamedTuple):
    success: bool
    param_found: float
    miss: HeteroclinicMissResult2D | HeteroclinicMissResultND | None
    info: dict[str, object]


@dataclass
class HeteroclinicTraceMeta:
    param_value: float
    source_eq: np.ndarray
    target_eq: np.ndarray
    sign_u: int
    eps_used: float
    status: str
    success: bool
    event: HeteroclinicTraceEvent | None
    diag: dict[str, object]


class HeteroclinicTraceResult(NamedTuple):
    t: np.ndarray
    X: np.ndarray
    meta: HeteroclinicTraceMeta

    @property
    def branches(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        return ([self.X], [])

    @property
    def branch_pos(self) -> list[np.ndarray]:
        return [self.X]

    @property
    def branch_neg(self) -> list[np.ndarray]:
        return []

    @property
    def kind(self) -> str:
        return "heteroclinic"

    @property
    def success(self) -> bool:
        return bool(self.meta.success)


@dataclass
class HomoclinicMissResult:
    qualified: bool
    param_value: float
    eq: np.ndarray
    sign_u: int
    eps: float
    v_dir: np.ndarray
    x0: np.ndarray
    r_sec: float
    r_leave: float
    t_min: float
    t_cross: float
    x_cross: np.ndarray
    g: float
    q: float
    status: str
    diag: dict[str, object]


class HomoclinicFinderResult(NamedTuple):
    success: bool
    param_found: float
    miss: HomoclinicMissResult | None
    info: dict[str, object]


@dataclass
class HomoclinicTraceMeta:
    param_value: float
    eq: np.ndarray
    sign_u: int
    eps_used: float
    status: str
    success: bool
    event: HomoclinicTraceEvent | None
    t_cross: float
    x_cross: np.ndarray
    diag: dict[str, object]


class HomoclinicTraceResult(NamedTuple):
    t: np.ndarray
    X: np.ndarray
    meta: HomoclinicTraceMeta

    @property
    def branches(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        return ([self.X], [])

    @property
    def branch_pos(self) -> list[np.ndarray]:
        return [self.X]

    @property
    def branch_neg(self) -> list[np.ndarray]:
        return []

    @property
    def kind(self) -> str:
        return "homoclinic"

    @property
    def success(self) -> bool:
        return bool(self.meta.success)


# ---------------------------------------------------------------------------------------------
# Presets: the values live in C++ (orbit_preset); these are the reference's preset objects.
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HeteroclinicPreset:
    """A named bundle of settings: "fast" (exploration), "default", "precise". Instantiate it
    directly for a custom preset."""
    name: str
    rk: HeteroclinicRK45Config
    branch: HeteroclinicBranchConfig
    scan_n: int
    max_bisect: int
    gap_tol: float
    x_tol: float


@dataclass(frozen=True)
class HomoclinicPreset:
    """A named bundle of settings: "fast" (exploration), "default", "precise"."""
    name: str
    rk: HomoclinicRK45Config
    branch: HomoclinicBranchConfig
    scan_n: int
    max_bisect: int
    gap_tol: float
    x_tol: float


_PRESET_NAMES = ("fast", "default", "precise")


def _make_preset(name, preset_cls, rk_cls, branch_cls):
    raw = _dynlib._orbit_preset(name)
    rk = rk_cls(**raw["rk"])
    return preset_cls(name=name, rk=rk, branch=branch_cls(**raw["branch"], rk=rk),
                      scan_n=raw["scan_n"], max_bisect=raw["max_bisect"],
                      gap_tol=raw["gap_tol"], x_tol=raw["x_tol"])


_HOMOCLINIC_PRESETS = {n: _make_preset(n, HomoclinicPreset, HomoclinicRK45Config,
                                       HomoclinicBranchConfig) for n in _PRESET_NAMES}
_HETEROCLINIC_PRESETS = {n: _make_preset(n, HeteroclinicPreset, HeteroclinicRK45Config,
                                         HeteroclinicBranchConfig) for n in _PRESET_NAMES}


def _get_preset(preset, table, cls):
    if preset is None:
        return table["default"]
    if isinstance(preset, cls):
        return preset
    if isinstance(preset, str) and preset in table:
        return table[preset]
    _dynlib._orbit_preset(str(preset))  # raises the error with a did-you-mean
    raise AssertionError("unreachable")


def _window_fields(window):
    if window is None:
        return {}
    pairs = [tuple(p) for p in window]
    for p in pairs:
        if len(p) != 2:
            raise ValueError("window must be a sequence of (min, max) pairs, one per state")
    return {"window_min": np.array([lo for lo, _ in pairs], float),
            "window_max": np.array([hi for _, hi in pairs], float)}


def _branch_config(base, *, window=None, **overrides):
    """`base` with the simplified kwargs that were given (None: keep)."""
    changes = {k: v for k, v in overrides.items() if v is not None}
    changes.update(_window_fields(window))
    return dataclasses.replace(base, **changes) if changes else base


def _preset_branch(pset, branch_cls):
    """The preset's branch settings as a `branch_cls`, stepping with the preset's rk."""
    branch = pset.branch
    if not isinstance(branch, branch_cls):  # a custom preset built with the other family
        names = {f.name for f in dataclasses.fields(branch_cls)} - {"t_min_event", "rk"}
        branch = branch_cls(**{f.name: getattr(branch, f.name)
                               for f in dataclasses.fields(branch) if f.name in names})
    return dataclasses.replace(branch, rk=pset.rk)


def _to_dict(cfg):
    """A config dataclass as the nested dict the C++ side reads (arrays as lists)."""
    out = {}
    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        if dataclasses.is_dataclass(v):
            v = _to_dict(v)
        elif isinstance(v, np.ndarray):
            v = v.tolist()
        out[f.name] = v
    return out


def _emit(raw_warnings):
    for w in raw_warnings:
        warnings.warn(w, RuntimeWarning, stacklevel=3)


def _problem(param, params, t, **fields):
    return {"param": param, "params": params, "t": t, **fields}


def _diag(raw):
    return {k: raw[k] for k in ("integrate_status", "fail", "steps", "x0", "target_v_u",
                                "target_l_u", "source_eigenvalues", "target_eigenvalues")}


def _info(raw_info):
    info = dict(raw_info)
    for key in ("best_by_abs_gap", "best_by_q"):
        if info.get(key) is not None:
            info[key] = dict(info[key])
    return info


# ---------------------------------------------------------------------------------------------
# Homoclinic
# ---------------------------------------------------------------------------------------------
def _homoclinic_miss(raw) -> HomoclinicMissResult:
    return HomoclinicMissResult(
        qualified=bool(raw["qualified"]), param_value=float(raw["param_value"]),
        eq=np.array(raw["source_eq"], float), sign_u=int(raw["sign_u"]), eps=float(raw["eps"]),
        v_dir=np.array(raw["v_dir"], float), x0=np.array(raw["x0"], float),
        r_sec=float(raw["r_sec"]), r_leave=float(raw["r_leave"]), t_min=float(raw["t_min"]),
        t_cross=float(raw["t_cross"]), x_cross=np.array(raw["x_cross"], float),
        g=float(raw["g"]), q=float(raw["q"]), status=str(raw["status"]), diag=_diag(raw))


def homoclinic_finder(
    sim, *, param: str | int | None, param_min: float, param_max: float, param_init: float,
    eq_guess: Mapping[str, float] | Sequence[float] | np.ndarray,
    cfg: HomoclinicFinderConfig | None = None,
    preset: str | HomoclinicPreset | None = None,
    trace_cfg: HomoclinicBranchConfig | None = None,
    window: Sequence[tuple[float, float]] | None = None,
    scan_n: int | None = None, max_bisect: int | None = None,
    gap_tol: float | None = None, x_tol: float | None = None,
    t_max: float | None = None, r_blow: float | None = None,
    r_sec: float | None = None, t_min_event: float | None = None,
    params: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    t: float | None = None,
) -> HomoclinicFinderResult:
    """Find a parameter value in [param_min, param_max] where the saddle near `eq_guess` has a
    homoclinic orbit: scan `scan_n` values outwards from param_init, then bisect a sign change of
    the signed return gap g. Either `cfg` or the simplified kwargs (preset, trace_cfg, window,
    scan_n, max_bisect, gap_tol, x_tol, t_max, r_blow, r_sec, t_min_event). No connection found:
    success False and info["fail"] says why."""
    if not param_min < param_max:
        raise ValueError("param_min must be < param_max")
    simplified = (preset, trace_cfg, window, scan_n, max_bisect, gap_tol, x_tol, t_max, r_blow,
                  r_sec, t_min_event)
    if cfg is not None and any(v is not None for v in simplified):
        raise ValueError("Cannot use 'cfg' together with simplified kwargs (preset, trace_cfg, "
                         "window, etc.). Use either 'cfg' for full control, or the simplified "
                         "kwargs.")
    if cfg is None:
        pset = _get_preset(preset, _HOMOCLINIC_PRESETS, HomoclinicPreset)
        base = trace_cfg if trace_cfg is not None else _preset_branch(pset, HomoclinicBranchConfig)
        trace = _branch_config(base, window=window, t_max=t_max, r_blow=r_blow, r_sec=r_sec,
                               t_min_event=t_min_event)
        cfg = HomoclinicFinderConfig(
            trace=trace,
            scan_n=pset.scan_n if scan_n is None else scan_n,
            max_bisect=pset.max_bisect if max_bisect is None else max_bisect,
            gap_tol=pset.gap_tol if gap_tol is None else gap_tol,
            x_tol=pset.x_tol if x_tol is None else x_tol)
    elif not isinstance(cfg, HomoclinicFinderConfig):
        raise ValueError("cfg must be a HomoclinicFinderConfig")
    raw = _dynlib._connecting_orbit(
        sim, "homoclinic_finder",
        _problem(param, params, t, param_min=param_min, param_max=param_max,
                 param_init=param_init, source_eq=eq_guess),
        _to_dict(cfg))
    _emit(raw["warnings"])
    miss = None if raw["miss"] is None else _homoclinic_miss(raw["miss"])
    return HomoclinicFinderResult(success=bool(raw["success"]),
                                  param_found=float(raw["param_found"]), miss=miss,
                                  info=_info(raw["info"]))


def homoclinic_tracer(
    sim, *, param: str | int | None, param_value: float,
    eq: Mapping[str, float] | Sequence[float] | np.ndarray, sign_u: int,
    cfg_u: HomoclinicBranchConfig | None = None,
    preset: str | HomoclinicPreset | None = None,
    trace_cfg: HomoclinicBranchConfig | None = None,
    window: Sequence[tuple[float, float]] | None = None,
    t_max: float | None = None, r_blow: float | None = None,
    r_sec: float | None = None, t_min_event: float | None = None,
    params: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    t: float | None = None,
) -> HomoclinicTraceResult:
    """Follow the unstable branch sign_u·v_u of the saddle `eq` at param_value until it returns
    through the section (success) or stops; `X` ends on the section when it succeeds."""
    simplified = (preset, trace_cfg, window, t_max, r_blow, r_sec, t_min_event)
    if cfg_u is not None and any(v is not None for v in simplified):
        raise ValueError("Cannot use 'cfg_u' together with simplified kwargs (preset, trace_cfg, "
                         "window, etc.). Use either 'cfg_u' for full control, or the simplified "
                         "kwargs.")
    if cfg_u is None:
        if trace_cfg is not None:
            base = trace_cfg
        else:
            base = _preset_branch(_get_preset(preset, _HOMOCLINIC_PRESETS, HomoclinicPreset),
                                  HomoclinicBranchConfig)
        cfg_u = _branch_config(base, window=window, t_max=t_max, r_blow=r_blow, r_sec=r_sec,
                               t_min_event=t_min_event)
    raw = _dynlib._connecting_orbit(
        sim, "homoclinic_tracer",
        _problem(param, params, t, param_value=param_value, source_eq=eq, sign_u=sign_u),
        _to_dict(cfg_u))
    _emit(raw["warnings"])
    ev = raw["event"]
    event = None if ev is None else HomoclinicTraceEvent(
        kind=ev["kind"], t=float(ev["t"]), x=np.array(ev["x"], float),
        info={"g": float(ev["g"]), "q": float(ev["q"])})
    meta = HomoclinicTraceMeta(
        param_value=float(raw["param_value"]), eq=np.array(raw["source_eq"], float),
        sign_u=int(raw["sign_u"]), eps_used=float(raw["eps_used"]), status=str(raw["status"]),
        success=bool(raw["success"]), event=event, t_cross=float(raw["t_cross"]),
        x_cross=np.array(raw["x_cross"], float),
        diag={"section": {"g": float(raw["g"]), "q": float(raw["q"])}, "fail": raw["fail"]})
    return HomoclinicTraceResult(t=np.array(raw["t"], float), X=np.array(raw["X"], float),
                                 meta=meta)


# ---------------------------------------------------------------------------------------------
# Heteroclinic
# ---------------------------------------------------------------------------------------------
def _heteroclinic_miss(raw, two_d: bool):
    x_u = np.array(raw["x_cross"], float)
    x_s = np.array(raw["x_s_cross"], float)
    B = np.array(raw["target_eq"], float)
    status_u = raw["integrate_status"] or raw["status"]
    common = dict(qualified=bool(raw["qualified"]), param_value=float(raw["param_value"]),
                  source_eq=np.array(raw["source_eq"], float), target_eq=B,
                  sign_u=int(raw["sign_u"]), sign_s=+1, x_u_cross=x_u, x_s_cross=x_s,
                  g=float(raw["g"]), q=float(raw["q"]), status_u=str(status_u),
                  status_s="linearised", status=str(raw["status"]), diag=_diag(raw))
    common["diag"]["r_sec"] = float(raw["r_sec"])
    if two_d:
        def angle(x):
            return float(np.arctan2(x[1] - B[1], x[0] - B[0])) if raw["qualified"] else np.nan
        th_u, th_s = angle(x_u), angle(x_s)
        return HeteroclinicMissResult2D(theta_u_raw=th_u, theta_s_raw=th_s, theta_u=th_u,
                                        theta_s=th_s, **common)
    n_b = np.array(raw["target_v_u"], float)
    tau = np.array(raw["target_l_u"], float)
    if tau.size:
        tau = tau / max(np.linalg.norm(tau), 1e-300)
    return HeteroclinicMissResultND(n_B=n_b, tau=tau, r_sec=float(raw["r_sec"]),
                                    s_u=float(raw["g"]), s_s=0.0, **common)


def heteroclinic_finder(
    sim, *, param: str | int | None, param_min: float, param_max: float, param_init: float,
    source_eq_guess: Mapping[str, float] | Sequence[float] | np.ndarray,
    target_eq_guess: Mapping[str, float] | Sequence[float] | np.ndarray,
    cfg: HeteroclinicFinderConfig2D | HeteroclinicFinderConfigND | None = None,
    mode: Literal["auto", "2d", "nd"] = "auto",
    preset: str | HeteroclinicPreset | None = None,
    trace_cfg: HeteroclinicBranchConfig | None = None,
    window: Sequence[tuple[float, float]] | None = None,
    scan_n: int | None = None, max_bisect: int | None = None,
    gap_tol: float | None = None, x_tol: float | None = None,
    t_max: float | None = None, r_blow: float | None = None,
    params: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    t: float | None = None,
) -> HeteroclinicFinderResult:
    """Find a parameter value where the unstable branch of the saddle A (near source_eq_guess)
    reaches the equilibrium B (near target_eq_guess, whose stable manifold has codimension one):
    scan, then bisect a sign change of the signed gap on the section around B."""
    if not param_min < param_max:
        raise ValueError("param_min must be < param_max")
    if mode not in ("auto", "2d", "nd"):
        raise ValueError("mode must be 'auto', '2d' or 'nd'")
    simplified = (preset, trace_cfg, window, scan_n, max_bisect, gap_tol, x_tol, t_max, r_blow)
    if cfg is not None and any(v is not None for v in simplified):
        raise ValueError("Cannot use 'cfg' together with simplified kwargs (preset, trace_cfg, "
                         "window, etc.). Use either 'cfg' for full control, or the simplified "
                         "kwargs.")
    model = getattr(sim, "model", sim)
    n_state = len(model.spec.states)
    if mode == "auto":
        mode = "2d" if n_state == 2 else "nd"
    if mode == "2d" and n_state != 2:
        raise ValueError("mode='2d' requires a 2D system")
    if cfg is None:
        pset = _get_preset(preset, _HETEROCLINIC_PRESETS, HeteroclinicPreset)
        base = trace_cfg if trace_cfg is not None else _preset_branch(pset,
                                                                      HeteroclinicBranchConfig)
        trace = _branch_config(base, window=window, t_max=t_max, r_blow=r_blow)
        cls = HeteroclinicFinderConfig2D if mode == "2d" else HeteroclinicFinderConfigND
        cfg = cls(trace_u=trace, trace_s=trace,
                  scan_n=pset.scan_n if scan_n is None else scan_n,
                  max_bisect=pset.max_bisect if max_bisect is None else max_bisect,
                  gap_tol=pset.gap_tol if gap_tol is None else gap_tol,
                  x_tol=pset.x_tol if x_tol is None else x_tol)
    elif not isinstance(cfg, HeteroclinicFinderConfig2D):
        raise ValueError("cfg must be HeteroclinicFinderConfig2D or HeteroclinicFinderConfigND")
    elif mode == "nd" and not isinstance(cfg, HeteroclinicFinderConfigND):
        raise ValueError("cfg must be HeteroclinicFinderConfigND when mode='nd'")
    elif mode == "2d" and isinstance(cfg, HeteroclinicFinderConfigND):
        raise ValueError("cfg must be HeteroclinicFinderConfig2D when mode='2d'")
    raw = _dynlib._connecting_orbit(
        sim, "heteroclinic_finder",
        _problem(param, params, t, param_min=param_min, param_max=param_max,
                 param_init=param_init, source_eq=source_eq_guess, target_eq=target_eq_guess),
        _to_dict(cfg))
    _emit(raw["warnings"])
    two_d = not isinstance(cfg, HeteroclinicFinderConfigND)
    miss = None if raw["miss"] is None else _heteroclinic_miss(raw["miss"], two_d)
    return HeteroclinicFinderResult(success=bool(raw["success"]),
                                    param_found=float(raw["param_found"]), miss=miss,
                                    info=_info(raw["info"]))


def heteroclinic_tracer(
    sim, *, param: str | int | None, param_value: float,
    source_eq: Mapping[str, float] | Sequence[float] | np.ndarray,
    target_eq: Mapping[str, float] | Sequence[float] | np.ndarray,
    sign_u: int, cfg_u: HeteroclinicBranchConfig | None = None, hit_radius: float = 1e-2,
    preset: str | HeteroclinicPreset | None = None,
    trace_cfg: HeteroclinicBranchConfig | None = None,
    window: Sequence[tuple[float, float]] | None = None,
    t_max: float | None = None, r_blow: float | None = None,
    params: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    t: float | None = None,
) -> HeteroclinicTraceResult:
    """Follow the unstable branch sign_u·v_u of A at param_value until it enters the ball of
    radius hit_radius around B (success); otherwise `X` ends at the closest approach to B."""
    simplified = (preset, trace_cfg, window, t_max, r_blow)
    if cfg_u is not None and any(v is not None for v in simplified):
        raise ValueError("Cannot use 'cfg_u' together with simplified kwargs (preset, trace_cfg, "
                         "window, etc.). Use either 'cfg_u' for full control, or the simplified "
                         "kwargs.")
    if cfg_u is None:
        if trace_cfg is not None:
            base = trace_cfg
        else:
            base = _preset_branch(_get_preset(preset, _HETEROCLINIC_PRESETS, HeteroclinicPreset),
                                  HeteroclinicBranchConfig)
        cfg_u = _branch_config(base, window=window, t_max=t_max, r_blow=r_blow)
    raw = _dynlib._connecting_orbit(
        sim, "heteroclinic_tracer",
        _problem(param, params, t, param_value=param_value, source_eq=source_eq,
                 target_eq=target_eq, sign_u=sign_u, hit_radius=hit_radius),
        _to_dict(cfg_u))
    _emit(raw["warnings"])
    ev = raw["event"]
    event = None if ev is None else HeteroclinicTraceEvent(
        kind=ev["kind"], t=float(ev["t"]), x=np.array(ev["x"], float),
        info={"kind": ev["kind"], "target_r": float(ev["d_event"])})
    meta = HeteroclinicTraceMeta(
        param_value=float(raw["param_value"]), source_eq=np.array(raw["source_eq"], float),
        target_eq=np.array(raw["target_eq"], float), sign_u=int(raw["sign_u"]),
        eps_used=float(raw["eps_used"]), status=str(raw["status"]),
        success=bool(raw["success"]), event=event,
        diag={"d_min": float(raw["d_min"]), "fail": raw["fail"]})
    return HeteroclinicTraceResult(t=np.array(raw["t"], float), X=np.array(raw["X"], float),
                                   meta=meta)
