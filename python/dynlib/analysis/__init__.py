"""Analyses of dynamical systems, with the reference dynlib's names: sweeps, Lyapunov sweeps,
fixed points, bifurcation extraction, trajectory statistics, basins of attraction, invariant
manifolds and homoclinic/heteroclinic orbits.

    from dynlib.analysis import scalar_sweep, find_fixed_points, lyapunov_mle_sweep

Names are imported from their submodules on first use, so `import dynlib.analysis` stays cheap.
See docs/analysis.md.
"""
import importlib

# name -> submodule of dynlib.analysis that defines it
_EXPORTS = {
    # sweeps (dynlib.analysis.sweep)
    "SweepResult": "sweep",
    "TrajectoryPayload": "sweep",
    "scalar_sweep": "sweep",
    "traj_sweep": "sweep",
    "lyapunov_mle_sweep": "lyapunov_sweep",
    "lyapunov_spectrum_sweep": "lyapunov_sweep",
    # post-processing (dynlib.analysis.post)
    "BifurcationResult": "post",
    "BifurcationExtractor": "post",
    "TrajectoryAnalyzer": "post",
    "MultiVarAnalyzer": "post",
    # equilibria and periodic points (dynlib.analysis.fixed_points)
    "FixedPointConfig": "fixed_points",
    "FixedPointResult": "fixed_points",
    "find_fixed_points": "fixed_points",
    # basins of attraction (dynlib.analysis.basin, basin_known, basin_auto, basin_stats)
    "BLOWUP": "basin_codes",
    "OUTSIDE": "basin_codes",
    "UNRESOLVED": "basin_codes",
    "Attractor": "basin",
    "BasinResult": "basin",
    "BasinAxis": "basin",
    "BasinValues": "basin",
    "BasinPoints": "basin",
    "FixedPoint": "basin",
    "Cycle": "basin",
    "ReferenceRun": "basin",
    "KnownAttractorLibrary": "basin",
    "basin_axis": "basin",
    "basin_values": "basin",
    "basin_points": "basin",
    "build_known_attractors_psc": "basin",
    "basin_known": "basin_known",
    "basin_auto": "basin_auto",
    "AttractorStats": "basin_stats",
    "BasinStats": "basin_stats",
    "basin_stats": "basin_stats",
    "basin_summary": "basin_stats",
    "print_basin_summary": "basin_stats",
    # invariant manifolds (dynlib.analysis.manifold)
    "ManifoldTraceResult": "manifold",
    "trace_manifold_1d_map": "manifold",
    "trace_manifold_1d_ode": "manifold",
    # homoclinic and heteroclinic orbits (dynlib.analysis.connecting_orbits)
    "HeteroclinicRK45Config": "connecting_orbits",
    "HeteroclinicBranchConfig": "connecting_orbits",
    "HeteroclinicFinderConfig2D": "connecting_orbits",
    "HeteroclinicFinderConfigND": "connecting_orbits",
    "HeteroclinicTraceEvent": "connecting_orbits",
    "HeteroclinicMissResult2D": "connecting_orbits",
    "HeteroclinicMissResultND": "connecting_orbits",
    "HeteroclinicFinderResult": "connecting_orbits",
    "HeteroclinicTraceMeta": "connecting_orbits",
    "HeteroclinicTraceResult": "connecting_orbits",
    "HeteroclinicPreset": "connecting_orbits",
    "heteroclinic_finder": "connecting_orbits",
    "heteroclinic_tracer": "connecting_orbits",
    "HomoclinicRK45Config": "connecting_orbits",
    "HomoclinicBranchConfig": "connecting_orbits",
    "HomoclinicFinderConfig": "connecting_orbits",
    "HomoclinicMissResult": "connecting_orbits",
    "HomoclinicFinderResult": "connecting_orbits",
    "HomoclinicTraceEvent": "connecting_orbits",
    "HomoclinicTraceMeta": "connecting_orbits",
    "HomoclinicTraceResult": "connecting_orbits",
    "HomoclinicPreset": "connecting_orbits",
    "homoclinic_finder": "connecting_orbits",
    "homoclinic_tracer": "connecting_orbits",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dynlib.analysis' has no attribute '{name}'")
    loaded = importlib.import_module(f"{__name__}.{module}")
    # Importing a submodule binds it as an attribute of this package; when a submodule shares
    # its name with an export (basin_known, basin_stats), that binding would hide the function.
    # Bind every export of the submodule now so the function always wins.
    for export, owner in _EXPORTS.items():
        if owner == module:
            globals()[export] = getattr(loaded, export)
    return globals()[name]


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
