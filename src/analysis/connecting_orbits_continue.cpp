// Continuation of a connecting orbit in one parameter: a scan of the signed gap g over
// [param_min, param_max] outwards from param_init (equilibria tracked from one value to the
// next), then bisection of a sign change (analysis/connecting_orbits_internal.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/connecting_orbits_internal.hpp"
#include "analysis/not_a_value.hpp"

namespace dynlib::analysis {

namespace {

bool usable(const OrbitMiss& m) {
  return m.qualified && std::isfinite(m.g);
}

OrbitScanPoint point_of(const OrbitMiss& m) {
  return {m.param_value, m.g, m.q, m.status};
}

OrbitGuess guess_of(const OrbitMiss& m) {
  return {m.source_eq, m.target_eq};
}

void fill_found(OrbitFinderInfo& info, const ContinuationSettings& s, const OrbitMiss& m) {
  info.fail.clear();
  info.gap_found = m.g;
  info.q_found = m.q;
  info.t_cross = m.t_cross;
  info.gap_tol_eff_found = gap_tol_eff(s, m);
}

}  // namespace

double gap_tol_eff(const ContinuationSettings& s, const OrbitMiss& m) {
  if (s.gap_fac > 0 && m.qualified && std::isfinite(m.q) && m.r_sec > 0)
    return std::max(s.gap_tol, s.gap_fac * m.q / m.r_sec);
  return s.gap_tol;
}

bool orbit_success(const ContinuationSettings& s, const OrbitMiss& m) {
  return usable(m) && std::isfinite(m.q) && m.q <= s.x_tol && std::abs(m.g) <= gap_tol_eff(s, m);
}

OrbitFinderResult continue_orbit(const ContinuationSettings& s, const OrbitGuess& start,
                                 const OrbitMissFn& miss) {
  const int n = s.scan_n;
  std::vector<double> grid(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    grid[static_cast<size_t>(i)] = i == n - 1 ? s.param_max
                                              : s.param_min + (s.param_max - s.param_min) *
                                                                  static_cast<double>(i) /
                                                                  static_cast<double>(n - 1);
  size_t i0 = 0;
  for (size_t i = 1; i < grid.size(); ++i)
    if (std::abs(grid[i] - s.param_init) < std::abs(grid[i0] - s.param_init)) i0 = i;

  const std::vector<int> signs =
      s.branch_mode == "fixed" ? std::vector<int>{s.sign_u >= 0 ? 1 : -1} : std::vector<int>{1, -1};

  OrbitFinderResult best_fail;
  double best_score = std::numeric_limits<double>::infinity();
  bool have_fail = false;
  OrbitFinderInfo last_info;

  for (int sign : signs) {
    OrbitFinderInfo info;
    info.param_min = s.param_min;
    info.param_max = s.param_max;
    info.param_init = s.param_init;
    info.param_used = grid[i0];
    info.scan_n = n;
    info.sign_u = sign;
    info.sign_s = s.sign_s;
    info.branch_mode = s.branch_mode;
    info.eq_track_max_dist = s.eq_track_max_dist;
    std::vector<OrbitMiss> results(grid.size());

    results[i0] = miss(grid[i0], start, nullptr, sign);
    const OrbitMiss& r0 = results[i0];
    if (!r0.qualified && (r0.status == "eq_fail" || r0.status == "eq_jump")) {
      info.fail = "anchor_equilibrium_failed";
      info.scan.push_back(point_of(r0));
      last_info = info;
      continue;
    }
    // Outwards from the anchor, each side seeded by its last good equilibria.
    for (int dir : {+1, -1}) {
      OrbitGuess tracked = guess_of(r0);
      for (long i = static_cast<long>(i0) + dir; i >= 0 && i < n; i += dir) {
        OrbitMiss r = miss(grid[static_cast<size_t>(i)], tracked, &tracked, sign);
        if (r.status == "eq_jump")
          ++info.eq_jump_count;
        else if (r.status == "eq_fail")
          ++info.eq_fail_count;
        else
          tracked = guess_of(r);
        results[static_cast<size_t>(i)] = std::move(r);
      }
    }
    std::vector<const OrbitMiss*> qual;
    for (const OrbitMiss& r : results) {
      info.scan.push_back(point_of(r));
      if (usable(r)) qual.push_back(&r);
    }
    info.qualified_count = static_cast<int>(qual.size());
    if (qual.empty()) {
      info.fail = "no_qualified_points_in_scan";
      const OrbitMiss* best = &results[0];
      for (const OrbitMiss& r : results)
        if (r.q < best->q) best = &r;
      info.best_by_q = point_of(*best);
      last_info = info;
      continue;
    }
    const OrbitMiss* by_q = qual[0];
    const OrbitMiss* by_gap = qual[0];
    for (const OrbitMiss* r : qual) {
      if (r->q < by_q->q) by_q = r;
      if (std::abs(r->g) < std::abs(by_gap->g)) by_gap = r;
    }
    info.best_by_abs_gap = point_of(*by_gap);
    info.best_by_q = point_of(*by_q);
    if (orbit_success(s, *by_gap)) {
      fill_found(info, s, *by_gap);
      return {true, by_gap->param_value, *by_gap, info, {}};
    }
    // Of the sign changes between neighbouring qualified values, the one with the smallest gaps
    // at its ends: a jump of g between far-apart crossings has large gaps on both sides.
    const OrbitMiss *lo = nullptr, *hi = nullptr;
    double bracket_size = std::numeric_limits<double>::infinity();
    for (size_t k = 0; k + 1 < qual.size(); ++k) {
      const OrbitMiss* a = qual[k];
      const OrbitMiss* c = qual[k + 1];
      if (a->g * c->g < 0 && std::abs(a->g) + std::abs(c->g) < bracket_size) {
        bracket_size = std::abs(a->g) + std::abs(c->g);
        lo = a;
        hi = c;
      }
    }
    if (!lo) {
      info.fail = "no_sign_change_in_qualified_scan";
      const double score = by_gap->q + 0.1 * std::abs(by_gap->g);
      if (score < best_score) {
        best_score = score;
        best_fail = {false, kNaN, *by_gap, info, {}};
        have_fail = true;
      }
      last_info = info;
      continue;
    }
    OrbitMiss r_lo = *lo, r_hi = *hi;
    double p_lo = r_lo.param_value, p_hi = r_hi.param_value;
    OrbitMiss r_star = std::abs(r_lo.g) <= std::abs(r_hi.g) ? r_lo : r_hi;
    bool converged = false;
    int iters = 0;
    for (int it = 0; it < s.max_bisect; ++it) {
      const double mid = 0.5 * (p_lo + p_hi);
      if (mid <= p_lo || mid >= p_hi) break;  // no resolution left
      iters = it + 1;
      const OrbitMiss& near = (mid - p_lo <= p_hi - mid) ? r_lo : r_hi;
      const OrbitGuess seed = guess_of(near);
      OrbitMiss r_mid = miss(mid, seed, &seed, sign);
      if (orbit_success(s, r_mid)) {
        r_star = std::move(r_mid);
        converged = true;
        break;
      }
      if (!usable(r_mid)) {
        // No crossing at mid: keep the half on the side of the better end.
        if (r_lo.q <= r_hi.q)
          p_hi = mid;
        else
          p_lo = mid;
        continue;
      }
      if (r_lo.g * r_mid.g <= 0) {
        p_hi = mid;
        r_hi = std::move(r_mid);
      } else {
        p_lo = mid;
        r_lo = std::move(r_mid);
      }
      r_star = std::abs(r_lo.g) <= std::abs(r_hi.g) ? r_lo : r_hi;
    }
    info.bisection_iters = iters;
    if (converged || orbit_success(s, r_star)) {
      fill_found(info, s, r_star);
      const double found = r_star.param_value;
      return {true, found, std::move(r_star), info, {}};
    }
    info.fail = "bisection_did_not_converge";
    const double score = r_star.q + 0.1 * std::abs(r_star.g);
    if (score < best_score) {
      best_score = score;
      best_fail = {false, kNaN, r_star, info, {}};
      have_fail = true;
    }
    last_info = info;
  }
  if (have_fail) {
    OrbitFinderResult r = std::move(best_fail);
    r.info.has_candidate = true;
    r.info.param_candidate = r.miss->param_value;
    r.info.gap_candidate = r.miss->g;
    r.info.q_candidate = r.miss->q;
    r.miss.reset();
    return r;
  }
  OrbitFinderResult r{false, kNaN, std::nullopt, last_info, {}};
  if (r.info.fail.empty()) r.info.fail = "no_branch_had_qualified_points";
  return r;
}

}  // namespace dynlib::analysis
