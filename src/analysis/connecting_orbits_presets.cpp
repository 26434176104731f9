// The "fast", "default" and "precise" presets of the homoclinic and heteroclinic finders and
// tracers (the reference's values), and the configs built from them.
#include <fmt/format.h>

#include "analysis/connecting_orbits_internal.hpp"
#include "support/text.hpp"

namespace dynlib {

OrbitBranchConfig heteroclinic_branch_defaults() {
  OrbitBranchConfig c;
  c.t_min_event = 0.1;
  return c;
}

OrbitPreset orbit_preset(const std::string& name) {
  OrbitPreset p;
  p.name = name;
  if (name == "fast") {
    p.rk = {.dt0 = 1e-2, .dt_max = 1e-1, .atol = 1e-8, .rtol = 1e-5, .max_steps = 500'000};
    p.branch.r_leave = 1e-2;
    p.branch.t_leave_target = 0.05;
    p.branch.t_max = 100;
    p.branch.r_blow = 200;
    p.scan_n = 31;
    p.max_bisect = 30;
    p.gap_tol = 1e-3;
    p.x_tol = 1e-3;
  } else if (name == "default") {
    p.rk = {.dt0 = 1e-3, .dt_max = 5e-2, .atol = 1e-10, .rtol = 1e-7, .max_steps = 1'000'000};
    p.branch.r_leave = 1e-2;
    p.branch.t_leave_target = 0.05;
    p.branch.t_max = 200;
    p.branch.r_blow = 200;
    p.scan_n = 61;
    p.max_bisect = 60;
    p.gap_tol = 1e-4;
    p.x_tol = 1e-4;
  } else if (name == "precise") {
    p.rk = {.dt0 = 1e-4, .dt_max = 1e-2, .atol = 1e-12, .rtol = 1e-9, .max_steps = 3'000'000};
    p.branch.r_leave = 1e-3;
    p.branch.t_leave_target = 0.02;
    p.branch.t_max = 500;
    p.branch.r_blow = 500;
    p.scan_n = 121;
    p.max_bisect = 80;
    p.gap_tol = 1e-6;
    p.x_tol = 1e-6;
  } else {
    const std::string hint = support::did_you_mean(name, {"fast", "default", "precise"});
    throw DynlibError(fmt::format("unknown preset '{}'; available: default, fast, precise{}", name,
                                  hint.empty() ? "" : " (" + hint + ")"));
  }
  p.branch.rk = p.rk;
  return p;
}

HomoclinicFinderConfig homoclinic_finder_config(const std::string& preset) {
  const OrbitPreset p = orbit_preset(preset);
  HomoclinicFinderConfig c;
  c.trace = p.branch;
  c.scan_n = p.scan_n;
  c.max_bisect = p.max_bisect;
  c.gap_tol = p.gap_tol;
  c.x_tol = p.x_tol;
  return c;
}

HeteroclinicFinderConfig heteroclinic_finder_config(const std::string& preset) {
  const OrbitPreset p = orbit_preset(preset);
  HeteroclinicFinderConfig c;
  OrbitBranchConfig b = p.branch;
  b.t_min_event = heteroclinic_branch_defaults().t_min_event;
  c.trace_u = b;
  c.trace_s = b;
  c.scan_n = p.scan_n;
  c.max_bisect = p.max_bisect;
  c.gap_tol = p.gap_tol;
  c.x_tol = p.x_tol;
  return c;
}

}  // namespace dynlib
