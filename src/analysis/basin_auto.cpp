// basin_auto: Persistent Cell-Recurrence Basin Mapping (PCR-BM, docs/basins.md). Observed states
// are quantised into the cells of a box; a trajectory whose recent cells repeat (few distinct
// cells in a sliding window, for several consecutive windows) is on an attractor, and its recent
// cells are the evidence. Blocks of initial conditions run in parallel against the attractors
// known before the block (persistence: p_in samples in a row inside one attractor's cells assign
// it); then the block's evidence is merged into the registry in index order (a new attractor, or
// an existing one it resembles), so the labels do not depend on the thread count.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "analysis/basin_runner.hpp"
#include "dynlib/basins.hpp"

namespace dynlib {

namespace {

using analysis_detail::BasinSampling;
using analysis_detail::BasinTrajectory;
using analysis_detail::TrajectoryEnd;

// The detection grid: cells of the observation box, packed row-major (the last variable fastest).
struct Quantiser {
  std::vector<int> obs_idx;
  std::vector<double> lo, hi;
  std::vector<long long> res, stride;
  std::vector<long long> down, merge_res, merge_stride;

  // The cell of state y, or -1 outside the box.
  long long cell(const double* y) const {
    long long c = 0;
    for (size_t k = 0; k < obs_idx.size(); ++k) {
      const double v = y[obs_idx[k]];
      if (!(v >= lo[k] && v <= hi[k])) return -1;
      long long i =
          static_cast<long long>((v - lo[k]) / (hi[k] - lo[k]) * static_cast<double>(res[k]));
      i = std::clamp<long long>(i, 0, res[k] - 1);
      c += i * stride[k];
    }
    return c;
  }
  // Whether detection cell c, or a cell next to it (sharing a face, or a corner for up to three
  // observed variables), is in `cells`.
  bool near(long long c, const std::set<long long>& cells) const {
    if (cells.count(c)) return true;
    const size_t d = res.size();
    std::vector<long long> idx(d);
    for (size_t k = 0; k < d; ++k) idx[k] = (c / stride[k]) % res[k];
    if (d <= 3) {
      long long combos = 1;
      for (size_t k = 0; k < d; ++k) combos *= 3;
      for (long long m = 0; m < combos; ++m) {
        long long r = m, n = 0;
        bool ok = true;
        for (size_t k = 0; k < d && ok; ++k) {
          const long long i = idx[k] + (r % 3) - 1;
          r /= 3;
          ok = i >= 0 && i < res[k];
          n += i * stride[k];
        }
        if (ok && cells.count(n)) return true;
      }
      return false;
    }
    for (size_t k = 0; k < d; ++k) {
      if (idx[k] > 0 && cells.count(c - stride[k])) return true;
      if (idx[k] + 1 < res[k] && cells.count(c + stride[k])) return true;
    }
    return false;
  }
  // The merge-grid cell of a detection cell.
  long long merge_cell(long long c) const {
    long long m = 0;
    for (size_t k = 0; k < res.size(); ++k) {
      const long long i = (c / stride[k]) % res[k];
      m += (i / down[k]) * merge_stride[k];
    }
    return m;
  }
};

struct Attractor {
  std::set<long long> fingerprint, cells;
};

// The registry as the workers of one block see it: which attractors own each cell.
struct Snapshot {
  size_t n_attr = 0;
  std::unordered_map<long long, std::vector<int>> owners;
};

Snapshot snapshot_of(const std::vector<Attractor>& registry) {
  Snapshot s;
  s.n_attr = registry.size();
  for (size_t a = 0; a < registry.size(); ++a)
    for (long long c : registry[a].cells) s.owners[c].push_back(static_cast<int>(a));
  return s;
}

enum class Outcome { Assigned, Candidate, Blowup, Outside, Unresolved };

struct TrajectoryOutcome {
  Outcome outcome = Outcome::Unresolved;
  int attractor = -1;
  std::vector<long long> evidence;  // detection cells, one per evidence sample
  long long samples = 0;
};

struct AutoParams {
  Quantiser q;
  std::vector<int> blowup_idx;
  std::optional<double> b_max;
  long long transient = 0, window = 64, recur_windows = 3, p_in = 8, outside_limit = 10;
  long long post_detect = 0;
  double u_th = 0.6;
};

// One trajectory's detector: persistence against the snapshot, recurrence in a sliding window.
class Detector {
 public:
  explicit Detector(const AutoParams& p) : p_(p), ring_(static_cast<size_t>(p.window)) {}

  void reset(const Snapshot* snap, bool detect) {
    snap_ = snap;
    detect_ = detect;
    counters_.assign(snap ? snap->n_attr : 0, 0);
    outside_run_ = obs_count_ = 0;
    ring_pos_ = ring_n_ = 0;
    recur_run_ = 0;
    counts_.clear();
    detected_ = false;
    post_left_ = 0;
    out_ = {};
  }

  // True when the trajectory's outcome is decided (in out()).
  bool sample(const double* y) {
    if (p_.b_max)
      for (int j : p_.blowup_idx)
        if (std::fabs(y[j]) > *p_.b_max) return finish(Outcome::Blowup);
    const long long c = p_.q.cell(y);
    if (c < 0) {
      std::fill(counters_.begin(), counters_.end(), 0);
      if (++outside_run_ >= p_.outside_limit) return finish(Outcome::Outside);
      if (detected_ && --post_left_ <= 0) return finish(Outcome::Candidate);
      return false;
    }
    outside_run_ = 0;
    ++obs_count_;

    if (p_.p_in > 0 && snap_ && snap_->n_attr > 0) {
      const auto it = snap_->owners.find(c);
      size_t o = 0;
      for (size_t a = 0; a < counters_.size(); ++a) {
        const bool in = it != snap_->owners.end() && o < it->second.size() &&
                        it->second[o] == static_cast<int>(a);
        if (in) {
          ++o;
          if (++counters_[a] >= p_.p_in) {
            out_.attractor = static_cast<int>(a);
            return finish(Outcome::Assigned);
          }
        } else {
          counters_[a] = 0;
        }
      }
    }
    if (!detect_) return false;

    if (detected_) {
      out_.evidence.push_back(c);
      return --post_left_ <= 0 ? finish(Outcome::Candidate) : false;
    }
    // the sliding window of the last `window` cells and how often each occurs in it
    const size_t w = ring_.size();
    if (ring_n_ == w) {
      const auto it = counts_.find(ring_[ring_pos_]);
      if (--it->second == 0) counts_.erase(it);
    } else {
      ++ring_n_;
    }
    ring_[ring_pos_] = c;
    ring_pos_ = (ring_pos_ + 1) % w;
    ++counts_[c];
    if (ring_n_ < w || obs_count_ <= p_.transient) return false;
    // recur_windows consecutive (sliding) windows with few distinct cells
    const double unique = static_cast<double>(counts_.size()) / static_cast<double>(w);
    recur_run_ = unique <= p_.u_th ? recur_run_ + 1 : 0;
    if (recur_run_ < p_.recur_windows) return false;
    detected_ = true;
    for (size_t k = 0; k < w; ++k) out_.evidence.push_back(ring_[(ring_pos_ + k) % w]);
    post_left_ = p_.post_detect;
    return post_left_ <= 0 ? finish(Outcome::Candidate) : false;
  }

  TrajectoryOutcome take() { return std::move(out_); }

 private:
  bool finish(Outcome o) {
    out_.outcome = o;
    return true;
  }

  const AutoParams& p_;
  const Snapshot* snap_ = nullptr;
  bool detect_ = true;
  std::vector<long long> counters_;
  long long outside_run_ = 0, obs_count_ = 0, recur_run_ = 0, post_left_ = 0;
  std::vector<long long> ring_;
  size_t ring_pos_ = 0, ring_n_ = 0;
  std::unordered_map<long long, long long> counts_;
  bool detected_ = false;
  TrajectoryOutcome out_;
};

// The merge-grid cells the evidence visits at least twice (all of them when none is).
std::set<long long> fingerprint_of(const Quantiser& q, const std::vector<long long>& evidence) {
  std::map<long long, long long> counts;
  for (long long c : evidence) ++counts[q.merge_cell(c)];
  std::set<long long> fp;
  for (const auto& [m, k] : counts)
    if (k >= 2) fp.insert(m);
  if (fp.empty())
    for (const auto& [m, k] : counts) fp.insert(m);
  return fp;
}

double jaccard(const std::set<long long>& a, const std::set<long long>& b) {
  size_t inter = 0;
  for (long long x : a) inter += b.count(x);
  const size_t uni = a.size() + b.size() - inter;
  return uni ? static_cast<double>(inter) / static_cast<double>(uni) : 0.0;
}

// Merges one candidate into the registry; returns its attractor id.
int merge_candidate(std::vector<Attractor>& registry, const Quantiser& q,
                    const std::vector<long long>& evidence, double s_merge) {
  const std::set<long long> fp = fingerprint_of(q, evidence);
  int best = -1;
  double best_sim = -1;
  for (size_t a = 0; a < registry.size(); ++a) {
    // similar fingerprints, or evidence that lies mostly in (or next to) the attractor's cells
    size_t in = 0;
    for (long long c : evidence) in += q.near(c, registry[a].cells) ? 1 : 0;
    const double sim = std::max(jaccard(fp, registry[a].fingerprint),
                                static_cast<double>(in) / static_cast<double>(evidence.size()));
    if (sim > best_sim) {
      best_sim = sim;
      best = static_cast<int>(a);
    }
  }
  if (best < 0 || best_sim < s_merge) {
    best = static_cast<int>(registry.size());
    registry.emplace_back();
  }
  Attractor& a = registry[static_cast<size_t>(best)];
  a.fingerprint.insert(fp.begin(), fp.end());
  a.cells.insert(evidence.begin(), evidence.end());
  return best;
}

std::vector<double> broadcast(const std::vector<double>& v, size_t d, const char* what,
                              const std::string& context) {
  if (v.size() == d) return v;
  if (v.size() == 1) return std::vector<double>(d, v[0]);
  throw DynlibError(fmt::format("{}: {} has {} values; give one, or one per observed variable ({})",
                                context, what, v.size(), d));
}

std::vector<long long> broadcast(const std::vector<long long>& v, size_t d, const char* what,
                                 const std::string& context) {
  if (v.size() == d) return v;
  if (v.size() == 1) return std::vector<long long>(d, v[0]);
  throw DynlibError(fmt::format("{}: {} has {} values; give one, or one per observed variable ({})",
                                context, what, v.size(), d));
}

template <class T>
std::string join(const std::vector<T>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + fmt::format("{}", v[i]);
  return s;
}

}  // namespace

BasinResult basin_auto(const Sim& sim, const BasinIC& ic, const BasinAutoOptions& options) {
  const std::string context = "basin_auto";
  const auto start = std::chrono::steady_clock::now();
  const FullModel& model = sim.model();
  const BasinSampling s = analysis_detail::basin_sampling(sim, options.mode, options.dt_obs,
                                                          options.max_samples, context);
  BasinResult result;
  result.method = "auto";
  result.ic = resolve_basin_ic(model, ic);
  result.shape = result.ic.shape;
  result.mode = s.is_map ? "map" : "ode";
  result.dt_obs = s.dt;

  // ---- the observation space ----
  std::vector<std::string> obs = options.observe_vars;
  if (obs.empty()) {
    size_t d = std::max({options.grid_res.size(), options.obs_min.size(), options.obs_max.size()});
    const auto& names = model.layout().state_names();
    if (d <= 1) d = names.size();
    if (d > names.size())
      throw DynlibError(
          fmt::format("{}: grid_res / obs_min / obs_max describe {} variables, but "
                      "the model has {} states",
                      context, d, names.size()));
    obs.assign(names.begin(), names.begin() + static_cast<long>(d));
  }
  AutoParams p;
  p.q.obs_idx = analysis_detail::basin_state_indices(model, obs, context + " (observe_vars)");
  const size_t d = obs.size();
  result.observe_vars = obs;
  if (options.obs_min.empty() != options.obs_max.empty())
    throw DynlibError(fmt::format("{}: give obs_min and obs_max together", context));
  if (!options.obs_min.empty()) {
    p.q.lo = broadcast(options.obs_min, d, "obs_min", context);
    p.q.hi = broadcast(options.obs_max, d, "obs_max", context);
  } else {
    // the swept initial conditions' extent along each observed variable
    for (size_t k = 0; k < d; ++k) {
      const auto& vars = result.ic.ic_vars;
      const auto it = std::find(vars.begin(), vars.end(), obs[k]);
      if (it == vars.end())
        throw DynlibError(fmt::format(
            "{}: obs_min / obs_max are needed: observed state '{}' is not swept, so the box "
            "cannot be taken from the initial conditions",
            context, obs[k]));
      const size_t a = static_cast<size_t>(it - vars.begin());
      double lo, hi;
      if (result.ic.kind == "grid") {
        lo = result.ic.bounds[a].first;
        hi = result.ic.bounds[a].second;
      } else {
        lo = std::numeric_limits<double>::infinity();
        hi = -lo;
        const size_t n_state = result.ic.state_names.size();
        const int j = p.q.obs_idx[k];
        for (size_t i = 0; i < result.ic.n; ++i) {
          lo = std::min(lo, result.ic.states[i * n_state + static_cast<size_t>(j)]);
          hi = std::max(hi, result.ic.states[i * n_state + static_cast<size_t>(j)]);
        }
      }
      p.q.lo.push_back(lo);
      p.q.hi.push_back(hi);
    }
  }
  for (size_t k = 0; k < d; ++k)
    if (!(p.q.hi[k] > p.q.lo[k]) || !std::isfinite(p.q.lo[k]) || !std::isfinite(p.q.hi[k]))
      throw DynlibError(
          fmt::format("{}: the observation box of '{}' is [{}, {}]; it needs "
                      "obs_max > obs_min",
                      context, obs[k], p.q.lo[k], p.q.hi[k]));
  p.q.res = broadcast(options.grid_res, d, "grid_res", context);
  p.q.down = broadcast(options.merge_downsample, d, "merge_downsample", context);
  double cells = 1;
  for (size_t k = 0; k < d; ++k) {
    if (p.q.res[k] < 1)
      throw DynlibError(fmt::format("{}: grid_res = {} must be >= 1", context, p.q.res[k]));
    if (p.q.down[k] < 1)
      throw DynlibError(
          fmt::format("{}: merge_downsample = {} must be >= 1", context, p.q.down[k]));
    cells *= static_cast<double>(p.q.res[k]);
  }
  if (cells > 4e18)
    throw DynlibError(fmt::format("{}: grid_res gives {} cells; at most 4e18", context, cells));
  p.q.stride.assign(d, 1);
  p.q.merge_res.resize(d);
  p.q.merge_stride.assign(d, 1);
  for (size_t k = 0; k < d; ++k) p.q.merge_res[k] = (p.q.res[k] + p.q.down[k] - 1) / p.q.down[k];
  for (size_t k = d - 1; k-- > 0;) {
    p.q.stride[k] = p.q.stride[k + 1] * p.q.res[k + 1];
    p.q.merge_stride[k] = p.q.merge_stride[k + 1] * p.q.merge_res[k + 1];
  }

  // ---- the detector's parameters ----
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) throw DynlibError(fmt::format("{}: {}", context, what));
  };
  check(options.window >= 1 && options.window <= options.max_samples,
        fmt::format("window = {} must be in [1, max_samples = {}]", options.window,
                    options.max_samples));
  check(
      options.transient_samples >= 0 && options.transient_samples < options.max_samples,
      fmt::format("transient_samples = {} must be in [0, max_samples)", options.transient_samples));
  check(options.u_th > 0 && options.u_th <= 1,
        fmt::format("u_th = {} must be in (0, 1]", options.u_th));
  check(options.s_merge > 0 && options.s_merge <= 1,
        fmt::format("s_merge = {} must be in (0, 1]", options.s_merge));
  check(options.recur_windows >= 1,
        fmt::format("recur_windows = {} must be >= 1", options.recur_windows));
  check(options.p_in >= 0, fmt::format("p_in = {} must be >= 0 (0: no persistence)", options.p_in));
  check(options.outside_limit >= 1,
        fmt::format("outside_limit = {} must be >= 1", options.outside_limit));
  check(options.post_detect_samples >= 0,
        fmt::format("post_detect_samples = {} must be >= 0", options.post_detect_samples));
  check(options.batch_size >= 1, fmt::format("batch_size = {} must be >= 1", options.batch_size));
  check(!options.b_max || *options.b_max > 0, "b_max must be > 0");
  p.blowup_idx = options.blowup_vars.empty()
                     ? p.q.obs_idx
                     : analysis_detail::basin_state_indices(model, options.blowup_vars,
                                                            context + " (blowup_vars)");
  p.b_max = options.b_max;
  p.transient = options.transient_samples;
  p.window = options.window;
  p.recur_windows = options.recur_windows;
  p.p_in = options.p_in;
  p.outside_limit = options.outside_limit;
  p.post_detect = options.post_detect_samples;
  p.u_th = options.u_th;

  // ---- the runs, block by block ----
  const size_t n = result.ic.n;
  const size_t n_state = result.ic.state_names.size();
  const size_t param_rows = analysis_detail::basin_param_rows(model, options.params, n, context);
  // Initial condition i's parameter row, or nullptr (the worker Sim's params).
  const auto params_of = [&](size_t i) -> const double* {
    if (param_rows == 0) return nullptr;
    return options.params.data() + (param_rows == 1 ? 0 : i) * (options.params.size() / param_rows);
  };
  result.labels.assign(n, BASIN_UNRESOLVED);
  result.samples.assign(n, 0);
  const int threads = analysis_detail::basin_threads(options.threads, n);
  analysis_detail::PerWorker<BasinTrajectory> runners(threads, [&] {
    return std::make_unique<BasinTrajectory>(analysis_detail::basin_worker_sim(sim), s);
  });
  analysis_detail::PerWorker<Detector> detectors(threads,
                                                 [&] { return std::make_unique<Detector>(p); });
  std::vector<Attractor> registry;
  std::atomic<bool> stopped{false};
  auto stop_requested = [&] { return options.stop && options.stop->load(); };

  // Runs the trajectories `items` against `snap`; outcomes[k] for items[k].
  auto run_items = [&](const std::vector<size_t>& items, const Snapshot& snap, bool detect,
                       std::vector<TrajectoryOutcome>& outcomes, const BasinProgressFn& progress,
                       size_t offset) {
    outcomes.assign(items.size(), {});
    analysis_detail::basin_parallel(
        items.size(), threads,
        [&](int w, size_t k) {
          Detector& det = detectors[w];
          det.reset(&snap, detect);
          const size_t i = items[k];
          const auto run = runners[w].run(
              result.ic.states.data() + i * n_state,
              [&](long long first, const double* y, size_t rows) {
                for (size_t r = first == 0 ? 1 : 0; r < rows; ++r)
                  if (det.sample(y + r * n_state)) return r;
                return rows;
              },
              options.stop, params_of(i));
          TrajectoryOutcome out = det.take();
          if (run.end == TrajectoryEnd::NonFinite) out.outcome = Outcome::Blowup;
          if (run.end != TrajectoryEnd::Classified && run.end != TrajectoryEnd::NonFinite)
            out.outcome = Outcome::Unresolved;
          if (run.end == TrajectoryEnd::Stopped) stopped = true;
          out.samples = run.samples;
          outcomes[k] = std::move(out);
        },
        progress, offset, n);
  };

  const size_t batch = static_cast<size_t>(options.batch_size);
  std::vector<TrajectoryOutcome> outcomes;
  for (size_t b0 = 0; b0 < n && !stop_requested(); b0 += batch) {
    std::vector<size_t> items;
    for (size_t i = b0; i < std::min(n, b0 + batch); ++i) items.push_back(i);
    const Snapshot snap = snapshot_of(registry);
    run_items(items, snap, true, outcomes, options.progress, b0);
    for (size_t k = 0; k < items.size(); ++k) {  // merged in index order
      const size_t i = items[k];
      TrajectoryOutcome& o = outcomes[k];
      result.samples[i] = o.samples;
      switch (o.outcome) {
        case Outcome::Assigned:
          result.labels[i] = o.attractor;
          break;
        case Outcome::Candidate:
          result.labels[i] = merge_candidate(registry, p.q, o.evidence, options.s_merge);
          break;
        case Outcome::Blowup:
          result.labels[i] = BASIN_BLOWUP;
          break;
        case Outcome::Outside:
          result.labels[i] = BASIN_OUTSIDE;
          break;
        case Outcome::Unresolved:
          result.labels[i] = BASIN_UNRESOLVED;
          break;
      }
    }
  }

  // ---- unresolved ones again, against the final registry (persistence only) ----
  size_t refined = 0;
  if (options.refine_unresolved && options.p_in > 0 && !registry.empty() && !stop_requested()) {
    std::vector<size_t> items;
    for (size_t i = 0; i < n; ++i)
      if (result.labels[i] == BASIN_UNRESOLVED) items.push_back(i);
    if (!items.empty()) {
      const Snapshot snap = snapshot_of(registry);
      run_items(items, snap, false, outcomes, {}, 0);
      for (size_t k = 0; k < items.size(); ++k)
        if (outcomes[k].outcome == Outcome::Assigned) {
          result.labels[items[k]] = outcomes[k].attractor;
          ++refined;
        }
    }
  }
  result.stopped = stopped.load() || stop_requested();
  result.threads = threads;

  for (size_t a = 0; a < registry.size(); ++a) {
    BasinAttractor b;
    b.id = static_cast<int>(a);
    b.name = fmt::format("attractor {}", a);
    b.fingerprint.assign(registry[a].fingerprint.begin(), registry[a].fingerprint.end());
    b.cells.assign(registry[a].cells.begin(), registry[a].cells.end());
    result.registry.push_back(std::move(b));
    result.attractor_names.push_back(result.registry.back().name);
  }

  auto& m = result.meta;
  m["mode"] = result.mode;
  m["dt_obs"] = fmt::format("{}", s.dt);
  m["observe_vars"] = join(obs);
  m["obs_min"] = join(p.q.lo);
  m["obs_max"] = join(p.q.hi);
  m["grid_res"] = join(p.q.res);
  m["merge_downsample"] = join(p.q.down);
  m["max_samples"] = std::to_string(options.max_samples);
  m["transient_samples"] = std::to_string(options.transient_samples);
  m["window"] = std::to_string(options.window);
  m["u_th"] = fmt::format("{}", options.u_th);
  m["recur_windows"] = std::to_string(options.recur_windows);
  m["s_merge"] = fmt::format("{}", options.s_merge);
  m["p_in"] = std::to_string(options.p_in);
  m["outside_limit"] = std::to_string(options.outside_limit);
  m["post_detect_samples"] = std::to_string(options.post_detect_samples);
  m["b_max"] = options.b_max ? fmt::format("{}", *options.b_max) : "none";
  m["batch_size"] = std::to_string(options.batch_size);
  m["refine_unresolved"] = options.refine_unresolved ? "true" : "false";
  m["refined"] = std::to_string(refined);
  m["stepper"] = model.stepper_name();
  if (param_rows > 0)
    m["params"] = param_rows == 1 ? "one vector for all" : "per initial condition";
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace dynlib
