// Basins of attraction: which attractor each initial condition of a grid (or a point list) ends
// on, with the reference dynlib's names and label codes (docs/basins.md).
//
//   dynlib::Sim sim = dynlib::setup("builtin://ode/duffing");
//   sim.assign({{"gamma", 0.0}, {"delta", 0.5}});
//   dynlib::BasinIC ic{.axes = {dynlib::basin_axis("x", -2, 2, 101),
//                               dynlib::basin_axis("v", -2, 2, 101)}};
//   dynlib::BasinResult r = dynlib::basin_known(
//       sim, {dynlib::BasinFixedPoint{"left", {-1, 0}, {0.1}},
//             dynlib::BasinFixedPoint{"right", {1, 0}, {0.1}}},
//       ic, {.dt_obs = 0.05, .max_samples = 4000});
//   int label = r.labels[i];        // 0 ("left"), 1 ("right"), or BASIN_BLOWUP/OUTSIDE/UNRESOLVED
//
// basin_known classifies against attractors you name (fixed points, cycles of a map, or a
// reference run sampled on its attractor); basin_auto discovers the attractors itself by cell
// recurrence (PCR-BM). Both run every initial condition as a Sim on worker threads, in chunks
// through the public run API (run, then run(resume)), and stop a trajectory as soon as it is
// classified. Labels are the same for any thread count and for both backends.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "dynlib/dynlib.hpp"

namespace dynlib {

// ---------------------------------------------------------------------------------------------
// Labels: >= 0 is an attractor's id (basin_known: its index in the library); the reference's codes
// (dynlib.analysis.basin_codes) for the rest.
// ---------------------------------------------------------------------------------------------
inline constexpr int BASIN_BLOWUP = -1;      // a non-finite state, or |value| > b_max
inline constexpr int BASIN_OUTSIDE = -2;     // left the escape / observation box for good
inline constexpr int BASIN_UNRESOLVED = -3;  // not classified within max_samples (or stopped)
// "blowup", "outside", "unresolved", or "attractor <k>" / the attractor's name when given.
std::string basin_label_name(int label, const std::vector<std::string>& attractor_names = {});

// ---------------------------------------------------------------------------------------------
// Initial conditions
// ---------------------------------------------------------------------------------------------
// One swept state: its values (basin_axis: n points from min to max; basin_values: as given).
struct BasinAxis {
  std::string var;                // a state name
  std::vector<double> values;     // the axis' points, in order
  std::string sample = "values";  // "edge" (both ends included, as numpy.linspace), "center"
                                  // (cell centres of n equal cells), or "values" (explicit)
  double min = 0.0, max = 0.0;    // edge / center: the interval
};
// n points on [min, max]: sample "edge" includes both ends (numpy.linspace), "center" takes the
// centres of n equal cells. DynlibError for n < 1, max <= min, or another sample name.
BasinAxis basin_axis(std::string var, double min, double max, long long n,
                     const std::string& sample = "edge");
BasinAxis basin_values(std::string var, std::vector<double> values);

// A grid (the product of `axes`, the first axis slowest: numpy's 'ij' order) or an explicit point
// list (`point_vars` with `points`). States that are neither swept nor in `fixed` start at the
// model's initial value.
struct BasinIC {
  std::vector<BasinAxis> axes{};
  std::map<std::string, double> fixed{};
  std::vector<std::string> point_vars{};
  std::vector<std::vector<double>> points{};  // one row per initial condition, one value per var
};
BasinIC basin_points(std::vector<std::vector<double>> points, std::vector<std::string> vars,
                     std::map<std::string, double> fixed = {});

// The initial conditions as full state vectors, and what a plot needs to put them back on a grid.
struct BasinInitialStates {
  std::string kind;                               // "grid" | "points"
  std::vector<std::string> state_names;           // columns of `states`: every state, model order
  size_t n = 0;                                   // initial conditions
  std::vector<double> states;                     // [n, n_state] row-major
  std::vector<size_t> shape;                      // grid: points per axis; points: {n}
  std::vector<std::string> ic_vars;               // the swept states (grid axes, or point columns)
  std::vector<std::vector<double>> axis_values;   // grid: each axis' values
  std::vector<std::string> axis_sample;           // grid: each axis' sample
  std::vector<std::pair<double, double>> bounds;  // grid: each axis' (min, max)
  std::map<std::string, double> fixed;            // the states that are not swept
};
// DynlibError for unknown states (with a did-you-mean), a state given twice, empty axes, rows of
// the wrong length, or neither axes nor points (or both).
BasinInitialStates resolve_basin_ic(const FullModel& model, const BasinIC& ic);

// ---------------------------------------------------------------------------------------------
// Results (shared by basin_known and basin_auto)
// ---------------------------------------------------------------------------------------------
// An attractor of a result (the reference's `Attractor`): basin_auto's fingerprint (its cells on
// the merge grid) and cells (the detection-grid cells it was seen in); basin_known's library
// entries have the cells of their signature (reference runs) or none (points).
struct BasinAttractor {
  int id = 0;
  std::string name;
  std::vector<long long> fingerprint;  // sorted cell ids
  std::vector<long long> cells;        // sorted cell ids
};

struct BasinResult {
  std::string method;         // "known" | "auto"
  std::vector<int> labels;    // [n], in the order of the initial conditions
  std::vector<size_t> shape;  // ic.shape: labels reshaped as the grid ('ij')
  std::vector<BasinAttractor> registry;
  std::vector<std::string> attractor_names;  // [registry.size()]
  BasinInitialStates ic;
  std::vector<long long> samples;  // [n] samples each trajectory ran before it was classified
  std::string mode;                // "map" | "ode"
  std::vector<std::string> observe_vars;
  double dt_obs = 0.0;
  // Every parameter of the analysis, as text (basin_summary prints them).
  std::map<std::string, std::string> meta;
  bool stopped = false;  // the stop flag was set: what was not classified is UNRESOLVED
  int threads = 0;
  double wall_seconds = 0.0;
};

// Called with (initial conditions done, total), from worker threads but never concurrently. An
// exception it throws stops the analysis and propagates.
using BasinProgressFn = std::function<void(size_t done, size_t total)>;

// ---------------------------------------------------------------------------------------------
// basin_known: classification against known attractors
// ---------------------------------------------------------------------------------------------
// A point attractor: reached when a trajectory stays within `radius` of `loc` (observed
// variables; one radius, or one per observed variable: an ellipsoid) for
// fixed_point_settle_steps consecutive samples. (The reference's `FixedPoint`.)
struct BasinFixedPoint {
  std::string name;
  std::vector<double> loc;
  std::vector<double> radius{};  // empty: 0 (only an exact hit counts)
};
// A periodic orbit of a map given by its points: reached when a trajectory stays within `radius`
// of some point of the cycle for fixed_point_settle_steps consecutive samples.
struct BasinCycle {
  std::string name;
  std::vector<std::vector<double>> points;
  std::vector<double> radius{};
};
// An attractor given by a trajectory on it (cycles of ODEs, chaotic attractors): the run from
// `ic` (every state; empty: the model's initial state) with the Sim's params overridden by
// `params` is sampled every dt_obs, and its samples after `transient_samples` (signature_samples
// of them) are the attractor's signature.
struct ReferenceRun {
  std::string name;
  std::vector<double> ic{};
  std::map<std::string, double> params{};
  std::optional<long long> transient_samples{};  // default: the analysis' transient_samples
  std::optional<long long> signature_samples{};  // default: the analysis' signature_samples
};
using AttractorSpec = std::variant<BasinFixedPoint, BasinCycle, ReferenceRun>;

struct KnownAttractor {
  std::string name;
  std::string kind;                         // "fixed_point" | "cycle" | "reference"
  std::vector<std::vector<double>> points;  // the point(s), or the reference's signature samples
  std::vector<double> radius;               // points: one per observed variable
};

// The attractors, observed variables and boxes basin_known matches against (the reference's
// KnownAttractorLibrary). Built once by build_known_attractors, reusable.
struct KnownAttractorLibrary {
  std::vector<std::string> observe_vars;
  std::vector<int> obs_idx;  // their state indices
  std::vector<KnownAttractor> attractors;
  std::vector<double> obs_min, obs_max;        // bounds of every attractor point / sample
  std::vector<double> escape_min, escape_max;  // the escape box; empty: none
  std::string mode;                            // "map" | "ode"
  double dt_obs = 0.0;
  size_t size() const { return attractors.size(); }
  std::vector<std::string> names() const;
};

struct KnownLibraryOptions {
  std::vector<std::string> observe_vars{};  // default: every state
  // Per observed variable (lo, hi): a trajectory that stays outside for outside_limit samples is
  // OUTSIDE. Empty: no escape box (escape is then detected by b_max or a non-finite state).
  std::vector<std::pair<double, double>> escape_bounds{};
  std::string mode = "auto";          // "map" | "ode" | "auto" (the model's kind)
  std::optional<double> dt_obs{};     // sample interval = the step; default: the model's [sim] dt
  long long transient_samples = 0;    // reference runs: samples dropped before the signature
  long long signature_samples = 500;  // reference runs: samples in the signature
};
// Runs the reference runs (from sim's params) and checks every spec. DynlibError for no specs,
// points of the wrong length, negative radii, bad escape bounds, an adaptive stepper on an ODE,
// a reference run with no finite signature sample.
KnownAttractorLibrary build_known_attractors(const Sim& sim,
                                             const std::vector<AttractorSpec>& specs,
                                             const KnownLibraryOptions& options = {});

struct BasinKnownOptions {
  std::vector<std::string> observe_vars{};
  std::vector<std::pair<double, double>> escape_bounds{};
  std::string mode = "auto";
  std::optional<double> dt_obs{};
  long long max_samples = 1024;       // samples per trajectory before it is UNRESOLVED
  long long transient_samples = 0;    // samples before matching starts (escape is always checked)
  long long signature_samples = 500;  // reference runs' signature length
  // Reference runs: a sample matches when it lies in a cell (of size tolerance x the extent of
  // the references' signatures per variable, or tolerance_absolute) next to a signature sample;
  // a trajectory is classified when at least min_match_ratio of its last match_window samples
  // match one reference and fewer match any other.
  double tolerance = 0.1;
  std::optional<double> tolerance_absolute{};
  double min_match_ratio = 0.7;
  long long match_window = 64;
  std::optional<double> b_max{};             // |value| of a blowup var above it: BLOWUP
  std::vector<std::string> blowup_vars{};    // default: observe_vars
  std::optional<long long> outside_limit{};  // default: max(10, min(50, max_samples / 5))
  long long fixed_point_settle_steps = 10;
  // Coarse-to-fine (grids only): classify the points whose index along every axis is a multiple
  // of coarse_factor (or the last), then every point of the coarse cells whose corners disagree,
  // or that lie within boundary_dilation cells of one; the other points take their cell's common
  // label without a run (samples 0). Faster on large smooth basins; features smaller than a
  // coarse cell between equal corners are missed.
  bool refine = false;
  long long coarse_factor = 8;
  long long boundary_dilation = 1;
  // Per-initial-condition parameters (the reference's `params`): row-major [n, n_params], row i
  // the full flat parameter vector (Layout::param_value_labels order: every param in model order,
  // array params element by element) that initial condition i runs with; or one row [n_params]
  // for all of them. Empty: sim's params. Reference runs always use sim's params. With refine,
  // only one row is accepted (a coarse cell's label stands for points with other params).
  std::vector<double> params{};
  int threads = 0;  // 0: std::thread::hardware_concurrency()
  BasinProgressFn progress{};
  const std::atomic<bool>* stop = nullptr;
};

// Classifies every initial condition of `ic` (params: sim's current ones, or options.params).
// Labels are library indices (the order of `attractors`). Errors (DynlibError) before any run:
// bad specs, unknown names, params of the wrong size (or one per IC with refine), max_samples < 1,
// transient_samples >= max_samples, tolerance outside (0, 10), min_match_ratio outside (0, 1],
// b_max <= 0, an adaptive stepper on an ODE.
BasinResult basin_known(const Sim& sim, const std::vector<AttractorSpec>& attractors,
                        const BasinIC& ic, const BasinKnownOptions& options = {});
// With a library: its observe_vars, escape box, mode and dt_obs apply (options' are not used).
BasinResult basin_known(const Sim& sim, const KnownAttractorLibrary& library, const BasinIC& ic,
                        const BasinKnownOptions& options = {});

// ---------------------------------------------------------------------------------------------
// basin_auto: Persistent Cell-Recurrence Basin Mapping (PCR-BM)
// ---------------------------------------------------------------------------------------------
struct BasinAutoOptions {
  std::string mode = "auto";
  // The observation space: observed states (default: the first d states, d = the number of
  // grid_res / obs_min / obs_max entries, else every state), its box (default: the IC axes'
  // bounds of observed states that are swept) and cells per axis (one value: every axis).
  std::vector<std::string> observe_vars{};
  std::vector<double> obs_min{}, obs_max{};
  std::vector<long long> grid_res{64};
  long long max_samples = 1024;
  long long transient_samples = 0;  // samples before recurrence detection starts
  long long window = 64;            // the sliding window of recent cells
  double u_th = 0.6;                // recurrent: distinct cells in the window / window <= u_th
  long long recur_windows = 3;      // ... in this many consecutive (sliding) windows
  double s_merge = 0.6;             // candidate joins an attractor at this similarity
  long long p_in = 8;               // consecutive samples in an attractor's cells: assigned
  std::optional<double> b_max{};
  std::vector<std::string> blowup_vars{};
  long long outside_limit = 10;  // consecutive samples outside the box: OUTSIDE
  std::optional<double> dt_obs{};
  std::vector<long long> merge_downsample{1};  // merge grid = detection grid / this, per axis
  long long post_detect_samples = 0;           // evidence samples taken after detection
  // Initial conditions per block: each block runs against the attractors known before it, then
  // its discoveries are merged in index order, so labels never depend on the thread count.
  long long batch_size = 1024;
  bool refine_unresolved = true;  // re-run UNRESOLVED ones against the final registry
  // Per-initial-condition parameters, as BasinKnownOptions::params ([n, n_params] or one row).
  std::vector<double> params{};
  int threads = 0;
  BasinProgressFn progress{};
  const std::atomic<bool>* stop = nullptr;
};

// Errors (DynlibError) before any run: unknown names, params of the wrong size, an observation box
// that cannot be derived or is empty, grid_res < 1, window < 1 or > max_samples, u_th outside (0,
// 1], s_merge outside (0, 1], p_in < 0, negative counts, an adaptive stepper on an ODE.
BasinResult basin_auto(const Sim& sim, const BasinIC& ic, const BasinAutoOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Statistics and summary (the reference's basin_stats / basin_summary)
// ---------------------------------------------------------------------------------------------
struct AttractorStats {
  int id = 0;
  std::string name;
  size_t n_points = 0;
  double p_points = 0;  // percent of all initial conditions
  size_t n_fingerprint = 0, n_cells = 0;
};

struct BasinStats {
  size_t n_total = 0, n_attractors = 0;
  size_t n_identified = 0, n_blowup = 0, n_outside = 0, n_unresolved = 0;
  double p_identified = 0, p_blowup = 0, p_outside = 0, p_unresolved = 0;  // percent
  std::vector<AttractorStats> per_attractor;  // largest basin first (ties: id)
  std::map<int, size_t> counts;               // every label that occurs -> how often
  std::vector<size_t> ic_grid;                // grid shape (empty for point lists)
  std::vector<std::pair<double, double>> ic_bounds;
  double fraction(int label) const;  // counts[label] / n_total (0 when absent)
};
// top_k: keep only the top_k largest basins in per_attractor (totals are unaffected).
BasinStats basin_stats(const BasinResult& result, std::optional<size_t> top_k = {});
// A text report: totals, one line per attractor, and (include_meta) the parameters.
std::string basin_summary(const BasinResult& result, std::optional<size_t> top_k = {},
                          bool include_meta = true);

}  // namespace dynlib
