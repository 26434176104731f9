// basin_known: every initial condition is run until it settles on one of the attractors of a
// KnownAttractorLibrary (points and map cycles: a stay inside a radius; reference runs: most recent
// samples in the cells next to the reference's signature), escapes, or runs out of samples.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>

#include "analysis/basin_runner.hpp"
#include "dynlib/basins.hpp"

namespace dynlib {

std::vector<std::string> KnownAttractorLibrary::names() const {
  std::vector<std::string> out;
  for (const auto& a : attractors) out.push_back(a.name);
  return out;
}

namespace {

using analysis_detail::basin_sampling;
using analysis_detail::basin_state_indices;
using analysis_detail::BasinSampling;
using analysis_detail::BasinTrajectory;
using analysis_detail::TrajectoryEnd;

std::vector<double> point_radius(const std::vector<double>& r, size_t d, const std::string& name) {
  std::vector<double> out;
  if (r.empty())
    out.assign(d, 0.0);
  else if (r.size() == 1)
    out.assign(d, r[0]);
  else if (r.size() == d)
    out = r;
  else
    throw DynlibError(fmt::format(
        "attractor '{}': radius has {} values; give one, or one per observed variable ({})", name,
        r.size(), d));
  for (double v : out)
    if (!(v >= 0) || !std::isfinite(v))
      throw DynlibError(fmt::format("attractor '{}': radius {} must be finite and >= 0", name, v));
  return out;
}

void check_point(const std::vector<double>& p, size_t d, const std::string& name) {
  if (p.size() != d)
    throw DynlibError(fmt::format(
        "attractor '{}': a point has {} values, but {} variables are observed", name, p.size(), d));
  for (double v : p)
    if (!std::isfinite(v))
      throw DynlibError(fmt::format("attractor '{}': a point has a non-finite value", name));
}

// Cells of size h (per observed variable) anchored at `origin`: a sample's integer cell indices.
struct CellGrid {
  std::vector<double> origin, h;
  // False when the sample lies too far away for its indices to be exact.
  bool cell(const double* obs, std::vector<long long>& out) const {
    for (size_t j = 0; j < h.size(); ++j) {
      const double q = std::floor((obs[j] - origin[j]) / h[j]);
      if (!(std::fabs(q) < 1e15)) return false;
      out[j] = static_cast<long long>(q);
    }
    return true;
  }
};

struct CellHash {
  size_t operator()(const std::vector<long long>& v) const {
    size_t h = 0xcbf29ce484222325ULL;
    for (long long x : v) {
      h ^= static_cast<size_t>(x) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    }
    return h;
  }
};
using CellSet = std::unordered_set<std::vector<long long>, CellHash>;

// Everything the per-sample classification reads (shared, read-only).
struct KnownClassifier {
  std::vector<int> obs_idx, blowup_idx;
  bool obs_is_state = false;  // obs_idx is 0, 1, ..., every state in order
  std::optional<double> b_max;
  std::vector<double> escape_min, escape_max;
  long long outside_limit = 10, transient = 0, settle = 10;
  // point attractors (fixed points, cycles): library id, points, radius per variable, and the
  // box outside which the radius test fails for certain
  struct Points {
    int id;
    std::vector<std::vector<double>> points;
    std::vector<double> radius;
    std::vector<double> box;  // radius (1 + 1e-12), rounded
  };
  std::vector<Points> point_attractors;
  // reference runs: library id and the dilated cells of the signature
  std::vector<int> ref_ids;
  std::vector<CellSet> ref_cells;
  CellGrid grid;
  long long match_window = 64, match_need = 45;
  // Point attractors only (no reference runs): KnownTracker skips quiet stretches in one pass.
  // Every point's coordinates and box, flattened (obs_idx.size() values each).
  bool fast = false;
  std::vector<double> fast_points, fast_boxes;
  // The pass's tests, set up once (rows are finite, so a missing test is one that always
  // passes): the escape box per observed variable (+-inf: none); b_max on the observed
  // variables, infinite where there is none or the escape box already implies it; the blowup
  // variables that are not observed ones (tested against b_max on their own).
  std::vector<double> quiet_lo, quiet_hi;
  double quiet_b_max = std::numeric_limits<double>::infinity();
  std::vector<int> quiet_blowup_idx;

  bool inside(const Points& a, const double* obs) const {
    for (const auto& p : a.points) {
      // Where |diff| > box for some variable, its quotient diff / radius rounds above 1 + 1e-12
      // (rounding is monotonic), so the sum below exceeds 1 (or, for radius 0, diff != 0): the
      // point is out without the divisions, which most samples are spared. Labels are unchanged.
      bool far = false;
      for (size_t j = 0; j < p.size(); ++j) far |= !(std::fabs(obs[j] - p[j]) <= a.box[j]);
      if (far) continue;
      bool in = true;
      double s = 0;
      for (size_t j = 0; j < p.size() && in; ++j) {
        const double diff = obs[j] - p[j];
        if (a.radius[j] == 0) {
          in = diff == 0;
        } else {
          s += (diff / a.radius[j]) * (diff / a.radius[j]);
        }
      }
      if (in && s <= 1.0) return true;
    }
    return false;
  }
};

constexpr int kContinue = -100;

// The state of one trajectory's classification.
class KnownTracker {
 public:
  explicit KnownTracker(const KnownClassifier& c)
      : c_(c),
        obs_(c.obs_idx.size()),
        key_(c.obs_idx.size()),
        ring_(static_cast<size_t>(c.match_window) * c.ref_ids.size()),
        counts_(c.ref_ids.size()) {}

  void reset() {
    outside_run_ = obs_count_ = fp_run_ = 0;
    fp_cand_ = -1;
    ring_pos_ = ring_n_ = 0;
    std::fill(ring_.begin(), ring_.end(), 0);
    std::fill(counts_.begin(), counts_.end(), 0);
  }

  // Classifies a block of samples (row r: n states at step first + r; step 0, the initial state,
  // is not a sample): the index of the row that decided, with its label in `label`, or `rows`.
  size_t scan(long long first, const double* y, size_t rows, size_t n, int& label) {
    size_t r = first == 0 ? 1 : 0;
    while (r < rows) {
      if (c_.fast) {
        const size_t quiet = quiet_rows(y + r * n, rows - r, n);
        if (quiet > 0) {
          skip_quiet(quiet);
          r += quiet;
          continue;
        }
      }
      const int l = sample(y + r * n);
      if (l != kContinue) {
        label = l;
        return r;
      }
      ++r;
    }
    return rows;
  }

  // A label, or kContinue.
  int sample(const double* y) {
    // The tests of a sample combine with | (not ||): no branch per variable.
    if (c_.b_max) {
      const double b_max = *c_.b_max;
      bool blowup = false;
      for (int j : c_.blowup_idx) blowup |= std::fabs(y[j]) > b_max;
      if (blowup) return BASIN_BLOWUP;
    }
    const double* obs = y;  // the observed variables: the state itself when they are all of it
    if (!c_.obs_is_state) {
      for (size_t k = 0; k < obs_.size(); ++k) obs_[k] = y[c_.obs_idx[k]];
      obs = obs_.data();
    }
    if (!c_.escape_min.empty()) {
      bool out = false;
      for (size_t k = 0; k < obs_.size(); ++k)
        out |= !(obs[k] >= c_.escape_min[k]) | !(obs[k] <= c_.escape_max[k]);
      if (out) {
        ++obs_count_;
        fp_cand_ = -1;
        fp_run_ = 0;
        if (++outside_run_ >= c_.outside_limit) return BASIN_OUTSIDE;
        return kContinue;
      }
      outside_run_ = 0;
    }
    if (++obs_count_ <= c_.transient) return kContinue;

    if (!c_.point_attractors.empty()) {
      int in = -1;
      for (const auto& a : c_.point_attractors)
        if (c_.inside(a, obs)) {
          in = a.id;
          break;
        }
      if (in >= 0 && in == fp_cand_) {
        if (++fp_run_ >= c_.settle) return in;
      } else {
        fp_cand_ = in;
        fp_run_ = in >= 0 ? 1 : 0;
        if (in >= 0 && fp_run_ >= c_.settle) return in;
      }
    }

    if (!c_.ref_ids.empty()) {
      const bool have = c_.grid.cell(obs, key_);
      const size_t w = static_cast<size_t>(c_.match_window);
      for (size_t r = 0; r < c_.ref_ids.size(); ++r) {
        unsigned char& slot = ring_[r * w + ring_pos_];
        if (ring_n_ == w) counts_[r] -= slot;
        slot = have && c_.ref_cells[r].count(key_) ? 1 : 0;
        counts_[r] += slot;
      }
      ring_pos_ = (ring_pos_ + 1) % w;
      if (ring_n_ < w) ++ring_n_;
      if (ring_n_ == w) {
        long long best = -1, second = -1;
        int best_r = -1;
        for (size_t r = 0; r < counts_.size(); ++r) {
          if (counts_[r] > best) {
            second = best;
            best = counts_[r];
            best_r = static_cast<int>(r);
          } else if (counts_[r] > second) {
            second = counts_[r];
          }
        }
        if (best >= c_.match_need && second < c_.match_need)
          return c_.ref_ids[static_cast<size_t>(best_r)];
      }
    }
    return kContinue;
  }

 private:
  // The leading rows (at most `rows`) that sample() would only count: not blown up, inside the
  // escape box and outside every point attractor's box (so outside its radius). One tight pass
  // with no state, instead of the whole rule per row; for classifiers with point attractors only
  // (KnownClassifier::fast). When the observed variables are the state (1 to 4 of them), the
  // loops over them unroll and read the row directly.
  size_t quiet_rows(const double* y, size_t rows, size_t n) const {
    if (c_.obs_is_state) {
      switch (n) {
        case 1:
          return quiet_rows_of<1, true>(y, rows, n);
        case 2:
          return quiet_rows_of<2, true>(y, rows, n);
        case 3:
          return quiet_rows_of<3, true>(y, rows, n);
        case 4:
          return quiet_rows_of<4, true>(y, rows, n);
        default:
          break;
      }
    }
    return quiet_rows_of<0, false>(y, rows, n);
  }
  // D observed variables (0: as many as obs_idx has); State: they are the state, in order.
  template <size_t D, bool State>
  size_t quiet_rows_of(const double* y, size_t rows, size_t n) const {
    const size_t d = D > 0 ? D : c_.obs_idx.size();
    const int* obs_idx = c_.obs_idx.data();
    const double* lo = c_.quiet_lo.data();
    const double* hi = c_.quiet_hi.data();
    const double b_max = c_.quiet_b_max;
    const int* other_blowup = c_.quiet_blowup_idx.data();
    const size_t n_other_blowup = c_.quiet_blowup_idx.size();
    const double* points = c_.fast_points.data();
    const double* boxes = c_.fast_boxes.data();
    const size_t n_points = c_.fast_points.size() / std::max<size_t>(d, 1);
    size_t r = 0;
    for (; r < rows; ++r) {
      const double* row = y + r * n;
      bool loud = false;
      for (size_t k = 0; k < d; ++k) {
        const double v = row[State ? k : static_cast<size_t>(obs_idx[k])];
        loud |= (std::fabs(v) > b_max) | !(v >= lo[k]) | !(v <= hi[k]);
      }
      for (size_t j = 0; j < n_other_blowup; ++j)
        loud |= std::fabs(row[other_blowup[j]]) > *c_.b_max;
      for (size_t p = 0; p < n_points; ++p) {
        bool far = false;
        for (size_t k = 0; k < d; ++k)
          far |= !(std::fabs(row[State ? k : static_cast<size_t>(obs_idx[k])] -
                             points[p * d + k]) <= boxes[p * d + k]);
        loud |= !far;
      }
      if (loud) break;
    }
    return r;
  }

  // sample() on `count` quiet rows, at once: each only counts, and (after the transient) leaves
  // no candidate attractor.
  void skip_quiet(size_t count) {
    if (!c_.escape_min.empty()) outside_run_ = 0;
    obs_count_ += static_cast<long long>(count);
    if (obs_count_ > c_.transient) {
      fp_cand_ = -1;
      fp_run_ = 0;
    }
  }

  const KnownClassifier& c_;
  std::vector<double> obs_;
  std::vector<long long> key_;
  std::vector<unsigned char> ring_;
  std::vector<long long> counts_;
  long long outside_run_ = 0, obs_count_ = 0, fp_run_ = 0;
  int fp_cand_ = -1;
  size_t ring_pos_ = 0, ring_n_ = 0;
};

std::string fmt_vec(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + fmt::format("{}", v[i]);
  return s + "]";
}

}  // namespace

KnownAttractorLibrary build_known_attractors(const Sim& sim,
                                             const std::vector<AttractorSpec>& specs,
                                             const KnownLibraryOptions& options) {
  const std::string context = "build_known_attractors";
  if (specs.empty()) throw DynlibError(fmt::format("{}: give at least one attractor", context));
  const FullModel& model = sim.model();
  const BasinSampling s = basin_sampling(sim, options.mode, options.dt_obs, 1, context);
  if (options.transient_samples < 0)
    throw DynlibError(
        fmt::format("{}: transient_samples = {} must be >= 0", context, options.transient_samples));

  KnownAttractorLibrary lib;
  lib.mode = s.is_map ? "map" : "ode";
  lib.dt_obs = s.dt;
  lib.observe_vars =
      options.observe_vars.empty() ? model.layout().state_names() : options.observe_vars;
  lib.obs_idx = basin_state_indices(model, lib.observe_vars, context + " (observe_vars)");
  const size_t d = lib.obs_idx.size();

  for (size_t i = 0; i < specs.size(); ++i) {
    KnownAttractor a;
    if (const auto* fp = std::get_if<BasinFixedPoint>(&specs[i])) {
      a.name = fp->name.empty() ? fmt::format("attr_{}", i) : fp->name;
      a.kind = "fixed_point";
      check_point(fp->loc, d, a.name);
      a.points = {fp->loc};
      a.radius = point_radius(fp->radius, d, a.name);
    } else if (const auto* cy = std::get_if<BasinCycle>(&specs[i])) {
      a.name = cy->name.empty() ? fmt::format("attr_{}", i) : cy->name;
      a.kind = "cycle";
      if (cy->points.empty())
        throw DynlibError(fmt::format("attractor '{}': a cycle needs its points", a.name));
      for (const auto& p : cy->points) check_point(p, d, a.name);
      a.points = cy->points;
      a.radius = point_radius(cy->radius, d, a.name);
    } else {
      const auto& ref = std::get<ReferenceRun>(specs[i]);
      a.name = ref.name.empty() ? fmt::format("attr_{}", i) : ref.name;
      a.kind = "reference";
      const long long transient = ref.transient_samples.value_or(options.transient_samples);
      const long long signature = ref.signature_samples.value_or(options.signature_samples);
      if (transient < 0)
        throw DynlibError(fmt::format("reference run '{}': transient_samples = {} must be >= 0",
                                      a.name, transient));
      if (signature < 1)
        throw DynlibError(fmt::format("reference run '{}': signature_samples = {} must be >= 1",
                                      a.name, signature));
      std::vector<double> y0 = ref.ic.empty() ? model.spec().initial_state : ref.ic;
      if (y0.size() != static_cast<size_t>(model.layout().n_state()))
        throw DynlibError(
            fmt::format("reference run '{}': ic has {} values, but the model has {} states", a.name,
                        y0.size(), model.layout().n_state()));
      BasinSampling rs = s;
      rs.max_samples = transient + signature;
      BasinTrajectory run(analysis_detail::basin_worker_sim(sim, ref.params), rs);
      const size_t n = y0.size();
      run.run(
          y0.data(),
          [&](long long first, const double* y, size_t rows) {
            for (size_t r = 0; r < rows; ++r) {
              if (first + static_cast<long long>(r) <= transient) continue;
              std::vector<double> p(d);
              for (size_t j = 0; j < d; ++j) p[j] = y[r * n + static_cast<size_t>(lib.obs_idx[j])];
              a.points.push_back(std::move(p));
            }
            return rows;
          },
          nullptr);
      if (a.points.empty())
        throw DynlibError(fmt::format(
            "reference run '{}': no finite sample after its {} transient samples (it diverged "
            "or failed); check its ic and params",
            a.name, transient));
    }
    lib.attractors.push_back(std::move(a));
  }

  lib.obs_min.assign(d, std::numeric_limits<double>::infinity());
  lib.obs_max.assign(d, -std::numeric_limits<double>::infinity());
  for (const auto& a : lib.attractors)
    for (const auto& p : a.points)
      for (size_t j = 0; j < d; ++j) {
        lib.obs_min[j] = std::min(lib.obs_min[j], p[j]);
        lib.obs_max[j] = std::max(lib.obs_max[j], p[j]);
      }
  if (!options.escape_bounds.empty()) {
    if (options.escape_bounds.size() != d)
      throw DynlibError(
          fmt::format("{}: escape_bounds has {} (lo, hi) pairs for {} observed "
                      "variables",
                      context, options.escape_bounds.size(), d));
    for (const auto& [lo, hi] : options.escape_bounds) {
      if (!(hi > lo))
        throw DynlibError(
            fmt::format("{}: escape bound ({}, {}) must have hi > lo", context, lo, hi));
      lib.escape_min.push_back(lo);
      lib.escape_max.push_back(hi);
    }
  }
  return lib;
}

BasinResult basin_known(const Sim& sim, const std::vector<AttractorSpec>& attractors,
                        const BasinIC& ic, const BasinKnownOptions& options) {
  KnownLibraryOptions lo;
  lo.observe_vars = options.observe_vars;
  lo.escape_bounds = options.escape_bounds;
  lo.mode = options.mode;
  lo.dt_obs = options.dt_obs;
  lo.transient_samples = options.transient_samples;
  lo.signature_samples = options.signature_samples;
  return basin_known(sim, build_known_attractors(sim, attractors, lo), ic, options);
}

namespace {

// Coarse-to-fine: classifies the grid points whose index along every axis is a multiple of
// coarse_factor (or the last), then every point of the coarse cells that have corners with
// different labels, or lie within boundary_dilation cells of one; the points of the other cells
// take their corners' common label without a run (samples 0). Returns the points classified.
template <class Classify>
size_t refine_grid(BasinResult& result, const BasinKnownOptions& options, Classify&& classify) {
  const std::vector<size_t>& shape = result.ic.shape;
  const size_t d = shape.size(), n = result.ic.n;
  const size_t f = static_cast<size_t>(options.coarse_factor);
  std::vector<size_t> stride(d, 1);
  for (size_t a = d - 1; a-- > 0;) stride[a] = stride[a + 1] * shape[a + 1];
  // the coarse indices of each axis, and the number of coarse cells along it (at least one)
  std::vector<std::vector<size_t>> coarse(d);
  std::vector<size_t> cells(d), cell_stride(d, 1);
  for (size_t a = 0; a < d; ++a) {
    for (size_t i = 0; i < shape[a]; i += f) coarse[a].push_back(i);
    if (coarse[a].back() != shape[a] - 1) coarse[a].push_back(shape[a] - 1);
    cells[a] = std::max<size_t>(coarse[a].size() - 1, 1);
  }
  for (size_t a = d - 1; a-- > 0;) cell_stride[a] = cell_stride[a + 1] * cells[a + 1];
  const size_t n_cells = cell_stride[0] * cells[0];
  auto cell_of_axis = [&](size_t a, size_t i) { return std::min(i / f, cells[a] - 1); };

  // pass 1: the coarse points
  std::vector<size_t> items;
  std::vector<size_t> idx(d, 0);
  for (;;) {
    size_t flat = 0;
    for (size_t a = 0; a < d; ++a) flat += coarse[a][idx[a]] * stride[a];
    items.push_back(flat);
    size_t a = d;
    while (a-- > 0 && ++idx[a] == coarse[a].size()) idx[a] = 0;
    if (a == static_cast<size_t>(-1)) break;
  }
  classify(items, 0);
  if (options.stop && options.stop->load()) return items.size();
  std::vector<char> is_coarse(n, 0);
  for (size_t i : items) is_coarse[i] = 1;

  // uniform cells: every corner has the same label
  std::vector<int> label(n_cells, 0);
  std::vector<char> mixed(n_cells, 0);
  std::vector<size_t> c(d);
  for (size_t cell = 0; cell < n_cells; ++cell) {
    for (size_t a = 0, r = cell; a < d; ++a) {
      c[a] = r / cell_stride[a];
      r %= cell_stride[a];
    }
    bool first = true;
    for (size_t corner = 0; corner < (size_t{1} << d); ++corner) {
      size_t flat = 0;
      for (size_t a = 0; a < d; ++a) {
        const size_t j = std::min(c[a] + ((corner >> a) & 1), coarse[a].size() - 1);
        flat += coarse[a][j] * stride[a];
      }
      const int l = result.labels[flat];
      if (first) {
        label[cell] = l;
        first = false;
      } else if (l != label[cell]) {
        mixed[cell] = 1;
      }
    }
  }
  // boundary: a mixed cell, or one within boundary_dilation cells of one
  std::vector<char> boundary(n_cells, 0);
  const long long dil = options.boundary_dilation;
  for (size_t cell = 0; cell < n_cells; ++cell) {
    if (!mixed[cell]) continue;
    for (size_t a = 0, r = cell; a < d; ++a) {
      c[a] = r / cell_stride[a];
      r %= cell_stride[a];
    }
    std::vector<long long> off(d, -dil);
    for (;;) {
      bool ok = true;
      size_t nb = 0;
      for (size_t a = 0; a < d && ok; ++a) {
        const long long j = static_cast<long long>(c[a]) + off[a];
        ok = j >= 0 && j < static_cast<long long>(cells[a]);
        nb += static_cast<size_t>(j) * cell_stride[a];
      }
      if (ok) boundary[nb] = 1;
      size_t a = d;
      while (a-- > 0 && ++off[a] > dil) off[a] = -dil;
      if (a == static_cast<size_t>(-1)) break;
    }
  }
  // pass 2: the other points of boundary cells; the rest take their cell's label
  std::vector<size_t> fine;
  for (size_t i = 0; i < n; ++i) {
    if (is_coarse[i]) continue;
    size_t cell = 0;
    for (size_t a = 0; a < d; ++a)
      cell += cell_of_axis(a, (i / stride[a]) % shape[a]) * cell_stride[a];
    if (boundary[cell])
      fine.push_back(i);
    else
      result.labels[i] = label[cell];
  }
  classify(fine, items.size());
  return items.size() + fine.size();
}

}  // namespace

BasinResult basin_known(const Sim& sim, const KnownAttractorLibrary& library, const BasinIC& ic,
                        const BasinKnownOptions& options) {
  const std::string context = "basin_known";
  const auto start = std::chrono::steady_clock::now();
  const FullModel& model = sim.model();
  if (library.attractors.empty())
    throw DynlibError(fmt::format("{}: the attractor library is empty", context));
  BasinSampling s = basin_sampling(sim, library.mode, library.dt_obs, options.max_samples, context);
  if (options.transient_samples < 0 || options.transient_samples >= options.max_samples)
    throw DynlibError(fmt::format("{}: transient_samples = {} must be in [0, max_samples = {})",
                                  context, options.transient_samples, options.max_samples));
  if (!(options.tolerance > 0 && options.tolerance < 10))
    throw DynlibError(
        fmt::format("{}: tolerance = {} must be in (0, 10)", context, options.tolerance));
  if (options.tolerance_absolute && !(*options.tolerance_absolute > 0))
    throw DynlibError(fmt::format("{}: tolerance_absolute = {} must be > 0", context,
                                  *options.tolerance_absolute));
  if (!(options.min_match_ratio > 0 && options.min_match_ratio <= 1))
    throw DynlibError(fmt::format("{}: min_match_ratio = {} must be in (0, 1]", context,
                                  options.min_match_ratio));
  if (options.match_window < 1)
    throw DynlibError(
        fmt::format("{}: match_window = {} must be >= 1", context, options.match_window));
  if (options.b_max && !(*options.b_max > 0))
    throw DynlibError(fmt::format("{}: b_max = {} must be > 0", context, *options.b_max));
  if (options.fixed_point_settle_steps < 1)
    throw DynlibError(fmt::format("{}: fixed_point_settle_steps = {} must be >= 1", context,
                                  options.fixed_point_settle_steps));
  if (options.refine && options.coarse_factor < 2)
    throw DynlibError(
        fmt::format("{}: coarse_factor = {} must be >= 2", context, options.coarse_factor));
  if (options.refine && options.boundary_dilation < 0)
    throw DynlibError(
        fmt::format("{}: boundary_dilation = {} must be >= 0", context, options.boundary_dilation));
  if (options.outside_limit && *options.outside_limit < 1)
    throw DynlibError(
        fmt::format("{}: outside_limit = {} must be >= 1", context, *options.outside_limit));

  const size_t d = library.obs_idx.size();
  KnownClassifier c;
  c.obs_idx = library.obs_idx;
  c.obs_is_state = d == static_cast<size_t>(model.layout().n_state());
  for (size_t j = 0; j < d; ++j)
    c.obs_is_state = c.obs_is_state && c.obs_idx[j] == static_cast<int>(j);
  c.blowup_idx = options.blowup_vars.empty()
                     ? library.obs_idx
                     : basin_state_indices(model, options.blowup_vars, context + " (blowup_vars)");
  c.b_max = options.b_max;
  c.escape_min = library.escape_min;
  c.escape_max = library.escape_max;
  c.outside_limit = options.outside_limit.value_or(
      std::max<long long>(10, std::min<long long>(50, options.max_samples / 5)));
  c.transient = options.transient_samples;
  c.settle = options.fixed_point_settle_steps;
  c.match_window = options.match_window;
  c.match_need = static_cast<long long>(
      std::ceil(options.min_match_ratio * static_cast<double>(options.match_window) - 1e-12));

  // Reference runs: cell size per variable from the extent of every signature (or absolute).
  std::vector<double> ref_min(d, std::numeric_limits<double>::infinity()),
      ref_max(d, -std::numeric_limits<double>::infinity());
  for (const auto& a : library.attractors)
    if (a.kind == "reference")
      for (const auto& p : a.points)
        for (size_t j = 0; j < d; ++j) {
          ref_min[j] = std::min(ref_min[j], p[j]);
          ref_max[j] = std::max(ref_max[j], p[j]);
        }
  c.grid.origin.assign(d, 0.0);
  c.grid.h.assign(d, 1.0);
  for (size_t j = 0; j < d; ++j) {
    if (options.tolerance_absolute) {
      c.grid.h[j] = *options.tolerance_absolute;
    } else if (std::isfinite(ref_min[j])) {
      const double extent = ref_max[j] - ref_min[j];
      c.grid.h[j] =
          options.tolerance * (extent > 0 ? extent : std::max(1.0, std::fabs(ref_min[j])));
    }
    if (std::isfinite(ref_min[j])) c.grid.origin[j] = ref_min[j];
  }
  for (size_t i = 0; i < library.attractors.size(); ++i) {
    const KnownAttractor& a = library.attractors[i];
    if (a.kind == "reference") {
      // every signature cell and its neighbours: whatever lies within one cell of a signature
      // sample matches
      CellSet cells;
      std::vector<long long> key(d), nb(d);
      long long combos = 1;
      for (size_t j = 0; j < d; ++j) combos *= 3;
      for (const auto& p : a.points) {
        if (!c.grid.cell(p.data(), key)) continue;
        for (long long m = 0; m < combos; ++m) {
          long long r = m;
          for (size_t j = 0; j < d; ++j) {
            nb[j] = key[j] + (r % 3) - 1;
            r /= 3;
          }
          cells.insert(nb);
        }
      }
      c.ref_ids.push_back(static_cast<int>(i));
      c.ref_cells.push_back(std::move(cells));
    } else {
      std::vector<double> radius = a.radius;
      if (radius.size() != d) radius.assign(d, radius.empty() ? 0.0 : radius[0]);
      std::vector<double> box(d);
      for (size_t j = 0; j < d; ++j) box[j] = radius[j] * (1.0 + 1e-12);
      c.point_attractors.push_back({static_cast<int>(i), a.points, radius, box});
    }
  }
  c.fast = c.ref_ids.empty();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  c.quiet_lo = c.escape_min.empty() ? std::vector<double>(d, -kInf) : c.escape_min;
  c.quiet_hi = c.escape_max.empty() ? std::vector<double>(d, kInf) : c.escape_max;
  if (c.b_max) {
    for (int j : c.blowup_idx)
      if (std::find(c.obs_idx.begin(), c.obs_idx.end(), j) == c.obs_idx.end())
        c.quiet_blowup_idx.push_back(j);
    // Observed variables that are also blowup variables, where the box does not bound them.
    for (size_t k = 0; k < d; ++k) {
      const bool tested =
          std::find(c.blowup_idx.begin(), c.blowup_idx.end(), c.obs_idx[k]) != c.blowup_idx.end();
      if (tested && !(c.quiet_lo[k] >= -*c.b_max && c.quiet_hi[k] <= *c.b_max))
        c.quiet_b_max = *c.b_max;
    }
  }
  for (const auto& a : c.point_attractors)
    for (const auto& p : a.points) {
      c.fast_points.insert(c.fast_points.end(), p.begin(), p.end());
      c.fast_boxes.insert(c.fast_boxes.end(), a.box.begin(), a.box.end());
    }

  BasinResult result;
  result.method = "known";
  result.ic = resolve_basin_ic(model, ic);
  result.shape = result.ic.shape;
  result.mode = library.mode;
  result.observe_vars = library.observe_vars;
  result.dt_obs = s.dt;
  result.attractor_names = library.names();
  for (size_t i = 0; i < library.attractors.size(); ++i) {
    BasinAttractor b;
    b.id = static_cast<int>(i);
    b.name = library.attractors[i].name;
    result.registry.push_back(std::move(b));
  }
  if (options.refine && result.ic.kind != "grid")
    throw DynlibError(fmt::format(
        "{}: refine needs a grid of initial conditions (axes), not a point list", context));
  const size_t n = result.ic.n;
  const size_t param_rows = analysis_detail::basin_param_rows(model, options.params, n, context);
  if (options.refine && param_rows > 1)
    throw DynlibError(fmt::format(
        "{}: refine works with one parameter vector for every initial condition (params of "
        "shape (n_params,)), not one per initial condition: a coarse cell's label cannot stand "
        "for points that run with other params",
        context));
  result.labels.assign(n, BASIN_UNRESOLVED);
  result.samples.assign(n, 0);
  const size_t n_state = result.ic.state_names.size();
  // Initial condition i's parameter row, or nullptr (the worker Sim's params).
  const auto params_of = [&](size_t i) -> const double* {
    if (param_rows == 0) return nullptr;
    return options.params.data() + (param_rows == 1 ? 0 : i) * (options.params.size() / param_rows);
  };

  const int threads = analysis_detail::basin_threads(options.threads, n);
  analysis_detail::PerWorker<BasinTrajectory> runners(threads, [&] {
    return std::make_unique<BasinTrajectory>(analysis_detail::basin_worker_sim(sim), s);
  });
  analysis_detail::PerWorker<KnownTracker> trackers(
      threads, [&] { return std::make_unique<KnownTracker>(c); });
  std::atomic<bool> stopped{false};
  // Classifies the initial conditions `items` (progress counts from `offset`).
  auto classify = [&](const std::vector<size_t>& items, size_t offset) {
    analysis_detail::basin_parallel(
        items.size(), threads,
        [&](int w, size_t k) {
          const size_t i = items[k];
          KnownTracker& t = trackers[w];
          t.reset();
          int label = BASIN_UNRESOLVED;
          const auto run = runners[w].run(
              result.ic.states.data() + i * n_state,
              [&](long long first, const double* y, size_t rows) {
                return t.scan(first, y, rows, n_state, label);
              },
              options.stop, params_of(i));
          if (run.end == TrajectoryEnd::NonFinite) label = BASIN_BLOWUP;
          if (run.end == TrajectoryEnd::Stopped) stopped = true;
          result.labels[i] = label;
          result.samples[i] = run.samples;
        },
        options.progress, offset, n);
  };
  size_t exact = n;
  if (!options.refine) {
    std::vector<size_t> all(n);
    for (size_t i = 0; i < n; ++i) all[i] = i;
    classify(all, 0);
  } else {
    exact = refine_grid(result, options, classify);
  }
  result.stopped = stopped.load() || (options.stop && options.stop->load());
  result.threads = threads;

  auto& m = result.meta;
  m["mode"] = result.mode;
  m["dt_obs"] = fmt::format("{}", s.dt);
  m["max_samples"] = std::to_string(options.max_samples);
  m["transient_samples"] = std::to_string(options.transient_samples);
  m["signature_samples"] = std::to_string(options.signature_samples);
  m["tolerance"] = options.tolerance_absolute
                       ? fmt::format("{} (absolute)", *options.tolerance_absolute)
                       : fmt::format("{}", options.tolerance);
  m["min_match_ratio"] = fmt::format("{}", options.min_match_ratio);
  m["match_window"] = std::to_string(options.match_window);
  m["fixed_point_settle_steps"] = std::to_string(options.fixed_point_settle_steps);
  m["outside_limit"] = std::to_string(c.outside_limit);
  m["b_max"] = options.b_max ? fmt::format("{}", *options.b_max) : "none";
  m["escape_bounds"] = library.escape_min.empty()
                           ? "none"
                           : fmt_vec(library.escape_min) + " .. " + fmt_vec(library.escape_max);
  std::string names;
  for (const auto& v : library.observe_vars) names += (names.empty() ? "" : ", ") + v;
  m["observe_vars"] = names;
  m["stepper"] = model.stepper_name();
  if (options.refine) {
    m["refine"] = fmt::format("coarse_factor {}, boundary_dilation {}", options.coarse_factor,
                              options.boundary_dilation);
    m["refined_runs"] = fmt::format("{} of {}", exact, n);
  }
  if (param_rows > 0)
    m["params"] = param_rows == 1 ? "one vector for all" : "per initial condition";
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace dynlib
