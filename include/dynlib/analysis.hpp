// dynlib's analyses in one include: observers and Lyapunov exponents, parameter sweeps and
// bifurcation extraction, equilibria and periodic points, trajectory statistics, basins of
// attraction, invariant manifolds, homoclinic and heteroclinic orbits (docs/analysis.md).
#pragma once

#include "dynlib/basins.hpp"
#include "dynlib/bifurcation.hpp"
#include "dynlib/connecting_orbits.hpp"
#include "dynlib/dynlib.hpp"
#include "dynlib/fixed_points.hpp"
#include "dynlib/lyapunov.hpp"
#include "dynlib/manifolds.hpp"
#include "dynlib/observers.hpp"
#include "dynlib/sweep.hpp"
#include "dynlib/trajectory_stats.hpp"
