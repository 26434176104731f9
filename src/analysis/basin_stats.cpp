// basin_stats and basin_summary: counts and percentages per label of a BasinResult, and the
// reference's text report.
#include <fmt/format.h>

#include <algorithm>

#include "dynlib/basins.hpp"

namespace dynlib {

namespace {
double pct(size_t k, size_t n) {
  return n ? 100.0 * static_cast<double>(k) / static_cast<double>(n) : 0.0;
}
}  // namespace

double BasinStats::fraction(int label) const {
  const auto it = counts.find(label);
  return it == counts.end() || n_total == 0
             ? 0.0
             : static_cast<double>(it->second) / static_cast<double>(n_total);
}

BasinStats basin_stats(const BasinResult& result, std::optional<size_t> top_k) {
  BasinStats s;
  s.n_total = result.labels.size();
  for (int l : result.labels) ++s.counts[l];
  auto count = [&](int l) {
    const auto it = s.counts.find(l);
    return it == s.counts.end() ? size_t{0} : it->second;
  };
  s.n_blowup = count(BASIN_BLOWUP);
  s.n_outside = count(BASIN_OUTSIDE);
  s.n_unresolved = count(BASIN_UNRESOLVED);
  s.n_identified = s.n_total - s.n_blowup - s.n_outside - s.n_unresolved;
  s.p_identified = pct(s.n_identified, s.n_total);
  s.p_blowup = pct(s.n_blowup, s.n_total);
  s.p_outside = pct(s.n_outside, s.n_total);
  s.p_unresolved = pct(s.n_unresolved, s.n_total);
  s.n_attractors = result.registry.size();
  for (const BasinAttractor& a : result.registry) {
    AttractorStats r;
    r.id = a.id;
    r.name = a.name;
    r.n_points = count(a.id);
    r.p_points = pct(r.n_points, s.n_total);
    r.n_fingerprint = a.fingerprint.size();
    r.n_cells = a.cells.size();
    s.per_attractor.push_back(std::move(r));
  }
  std::stable_sort(s.per_attractor.begin(), s.per_attractor.end(),
                   [](const AttractorStats& a, const AttractorStats& b) {
                     return a.n_points != b.n_points ? a.n_points > b.n_points : a.id < b.id;
                   });
  if (top_k && s.per_attractor.size() > *top_k) s.per_attractor.resize(*top_k);
  if (result.ic.kind == "grid") {
    s.ic_grid = result.ic.shape;
    s.ic_bounds = result.ic.bounds;
  }
  return s;
}

std::string basin_summary(const BasinResult& result, std::optional<size_t> top_k,
                          bool include_meta) {
  const BasinStats st = basin_stats(result, top_k);
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  line("");
  line(std::string(60, '='));
  line("BASIN ANALYSIS RESULTS");
  line(std::string(60, '='));
  line(fmt::format("Total initial conditions: {}", st.n_total));
  line(fmt::format("Attractors identified: {}", st.n_attractors));
  line(
      fmt::format("Points assigned to attractors: {} ({:.1f}%)", st.n_identified, st.p_identified));
  line(fmt::format("Blowup trajectories: {} ({:.1f}%)", st.n_blowup, st.p_blowup));
  line(fmt::format("Outside domain: {} ({:.1f}%)", st.n_outside, st.p_outside));
  line(fmt::format("Unresolved: {} ({:.1f}%)", st.n_unresolved, st.p_unresolved));
  if (result.stopped) line("Stopped before the end: the rest is unresolved");
  if (st.n_attractors > 0) {
    line("");
    line("Attractor details:");
    std::vector<AttractorStats> rows = st.per_attractor;
    if (!top_k)  // registry order
      std::sort(rows.begin(), rows.end(),
                [](const AttractorStats& a, const AttractorStats& b) { return a.id < b.id; });
    for (const AttractorStats& r : rows) {
      const std::string name = r.name.empty() || r.name == fmt::format("attractor {}", r.id)
                                   ? ""
                                   : fmt::format(" ({})", r.name);
      line(fmt::format("  Attractor {}{}: {} points ({:.1f}%), {} cells in fingerprint", r.id, name,
                       r.n_points, r.p_points, r.n_fingerprint));
    }
  }
  if (include_meta) {
    line("");
    line("Algorithm parameters:");
    line(fmt::format("  method: {}", result.method));
    for (const auto& [k, v] : result.meta) line(fmt::format("  {}: {}", k, v));
    if (result.ic.kind == "grid")
      for (size_t a = 0; a < result.ic.ic_vars.size(); ++a)
        line(fmt::format("  ic axis {}: {} values, min={:.6g}, max={:.6g}, sample={}",
                         result.ic.ic_vars[a], result.ic.axis_values[a].size(),
                         result.ic.bounds[a].first, result.ic.bounds[a].second,
                         result.ic.axis_sample[a]));
    line(fmt::format("  threads: {}", result.threads));
  }
  return out;
}

}  // namespace dynlib
