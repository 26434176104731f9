// dynlib run URI ... and dynlib steppers list

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/csv.hpp"
#include "cli/interrupt.hpp"
#include "cli/plot_render.hpp"
#include "cli/run_flags.hpp"
#include "dynlib/dynlib.hpp"

namespace dynlib::cli {
namespace {

struct RunArgsCli {
  RunFlags run;
  std::optional<std::string> out;
  std::optional<std::string> plot;
  bool quiet = false;
  bool stats = false;
};

void print_summary(const Sim& sim, const Results& r, double wall) {
  const ModelInfo& info = sim.model().spec();
  fmt::print("model {} ({}, stepper {}, {})\n", info.name, info.kind, sim.model().stepper_name(),
             dtype_name(r.dtype()));
  // The message already starts with the status ("done: reached t = 50 after 5000 steps").
  fmt::print("status: {}\n", r.message().empty() ? status_name(r.status()) : r.message());
  fmt::print("steps: {}", r.steps());
  if (r.rejected_steps() > 0) fmt::print(" (rejected {})", r.rejected_steps());
  fmt::print("   samples: {}   t = {}\n", r.size(), format_number(r.dtype(), r.final_time()));
  const Evaluations& ev = r.evaluations();
  if (ev.jacobians > 0 || ev.lu > 0)
    fmt::print("evaluations: {} rhs, {} Jacobians, {} LU, {} Newton iterations\n", ev.rhs,
               ev.jacobians, ev.lu, ev.newton);
  const std::vector<double> final_state = r.final_state();
  fmt::print("final state:\n");
  for (size_t i = 0; i < info.state_names.size() && i < final_state.size(); ++i)
    fmt::print("  {} = {}\n", info.state_names[i],
               r.dtype() == DType::Int64  // exact: final_state() rounds beyond 2^53
                   ? fmt::format("{}", r.final_state_i64()[i])
                   : format_number(r.dtype(), final_state[i]));
  if (!r.events().empty()) {
    fmt::print("events fired:\n");
    for (const auto& e : r.events()) fmt::print("  {}: {}\n", e.name, e.t.size());
  }
  fmt::print("wall time: {:.3f} s\n", wall);
}

// --stats: where the time went, phase by phase; which backend ran the steps (jit=auto may switch
// mid-run); and jit_report(): per kernel and tier, compiles, steps and the measured speed-up.
void print_stats(const FullModel& m, const Results& r) {
  const BuildStats& s = m.build_stats();
  auto ms = [](double seconds) { return fmt::format("{:9.3f} ms", seconds * 1e3); };
  fmt::print("timings:\n");
  fmt::print("  resolve+parse {}\n", ms(s.resolve_parse));
  fmt::print("  lower         {}\n", ms(s.lower));
  fmt::print("  codegen       {}\n", ms(s.codegen));
  fmt::print("  compile       {}\n", ms(s.compile));
  fmt::print("  load          {}\n", ms(s.load));
  fmt::print("  run           {}\n", ms(r.wall_seconds()));
  if (!s.kernel_source.empty())
    fmt::print(
        "kernel: {} ({})\n", s.kernel_digest.substr(0, 16),
        s.kernel_source == "compiled" ? "compiled now" : "from the " + s.kernel_source + " cache");
  const RunStats& rs = r.run_stats();
  fmt::print("backends of this run:\n");
  if (rs.interp_steps > 0 || rs.native_steps == 0)
    fmt::print("  interpreter   {:>12} steps {:9.1f} ns/step\n", rs.interp_steps,
               rs.interp_ns_per_step());
  if (rs.native_steps > 0)
    fmt::print("  native        {:>12} steps {:9.1f} ns/step\n", rs.native_steps,
               rs.native_ns_per_step());
  if (rs.switch_step >= 0) fmt::print("  switched to native at step {}\n", rs.switch_step);
  if (rs.tier2_step >= 0)
    fmt::print("  moved to tier 2 (-O3 -march=native) at step {}\n", rs.tier2_step);
  fmt::print("{}", jit_report());
}

// --out: the files are opened before the work (an unwritable path fails fast) and the run streams
// its samples and event firings into them as its buffers fill, so its memory stays bounded
// however long it runs; they are renamed into place once complete. A model without events gets
// no events file.
struct RunOutput {
  RunOutput(const std::string& path, bool final_only, bool has_events)
      : samples_file(path), samples(samples_file), final_only(final_only) {
    if (!has_events) return;
    events_path = events_csv_path(path);
    events_file = std::make_unique<OutputFile>(events_path);
    events = std::make_unique<EventsCsv>(*events_file);
  }
  void add(const Results& part) {
    if (!final_only) samples.add(part);
    if (events) events->add(part);
  }
  size_t firings() const { return events ? events->firings() : 0; }
  // The rest of the run, after the work: Ctrl+C now aborts the writing (nothing is committed).
  void finish(const Results& r, const std::vector<std::string>& state_names) {
    InterruptScope writing;
    samples_file.poll_interrupts();
    if (final_only)
      write_final_state_csv(samples_file, r, state_names);
    else
      samples.add(r);
    samples_file.commit();
    if (!events) return;
    events_file->poll_interrupts();
    events->add(r);
    // No firing: no events file, and a stale one from an earlier run would mislead.
    if (events->firings() > 0)
      events_file->commit();
    else
      events_file->discard(/*remove_target=*/true);
  }
  OutputFile samples_file;
  SamplesCsv samples;
  bool final_only;
  std::string events_path;
  std::unique_ptr<OutputFile> events_file;
  std::unique_ptr<EventsCsv> events;
};

int run(const RunArgsCli& a) {
  if (a.plot) check_plot_path(*a.plot);  // before the work, not after
  Sim sim = setup_sim(a.run);
  const ModelInfo& info = sim.model().spec();
  const RunOptions ro = run_options(a.run, info);
  std::unique_ptr<RunOutput> output;
  if (a.out) {
    output = std::make_unique<RunOutput>(*a.out, a.run.no_record, !info.event_names.empty());
    sim.set_record_sink([&output](const Results& part) { output->add(part); });
  }
  double wall = 0.0;
  const Results& r = run_with_progress(sim, ro, a.quiet, &wall);

  if (r.status() != Status::Done)
    fmt::print(stderr, "dynlib: {}: {}\n", r.status() == Status::EarlyExit ? "warning" : "stopped",
               r.message());
  if (output) {
    output->finish(r, info.state_names);
    if (!a.quiet) {
      const size_t rows = a.run.no_record ? 1 : output->samples.rows();
      const size_t firings = output->firings();
      fmt::print("wrote {} sample{} to {}\n", rows, rows == 1 ? "" : "s", *a.out);
      if (firings > 0)
        fmt::print("wrote {} event{} to {}\n", firings, firings == 1 ? "" : "s",
                   output->events_path);
    }
  } else if (!a.quiet) {
    print_summary(sim, r, wall);
  }
  if (a.stats) print_stats(sim.model(), r);
  if (a.plot) {
    // A streamed run's Results hold only its last part: draw the whole run from its file.
    const bool from_file = a.out && !a.run.no_record && output->samples.rows() > 0;
    const int rendered =
        plot_results(r, a.run.uri, *a.plot, a.quiet, from_file ? a.out : std::nullopt);
    if (rendered != 0) return rendered;
  }
  return run_exit_code(r.status());
}

// `dynlib steppers list` filters: each set one keeps only the steppers that have the capability.
struct StepperFilters {
  std::string kind;
  bool stiff = false, implicit = false, jacobian = false, adaptive = false;
};

int list_steppers(const StepperFilters& f) {
  std::vector<std::vector<std::string>> rows{
      {"name", "kind", "step", "order", "embedded", "stiff", "aliases", "description"}};
  for (const auto& s : steppers()) {
    if (!f.kind.empty() && s.kind != f.kind) continue;
    if ((f.stiff && !s.stiff) || (f.implicit && !s.implicit) || (f.jacobian && !s.jacobian) ||
        (f.adaptive && !s.adaptive))
      continue;
    std::string aliases;
    for (size_t i = 0; i < s.aliases.size(); ++i) aliases += (i ? "," : "") + s.aliases[i];
    rows.push_back({s.name, s.kind, s.adaptive ? "adaptive" : "fixed", std::to_string(s.order),
                    s.embedded_order > 0 ? std::to_string(s.embedded_order) : "-",
                    s.stiff ? "yes" : "no", aliases.empty() ? "-" : aliases, s.description});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c)
      line += c + 1 < r.size() ? fmt::format("{:<{}}  ", r[c], width[c]) : r[c];
    fmt::print("{}\n", line);
  }
  return 0;
}

}  // namespace

void add_run_commands(CLI::App& app) {
  auto a = std::make_shared<RunArgsCli>();
  CLI::App* run_cmd =
      app.add_subcommand("run", "Simulate a model and print a summary or write CSV");
  add_run_flags(*run_cmd, a->run);
  run_cmd->add_option("--out", a->out, "Write samples to FILE.csv (events to FILE.events.csv)");
  run_cmd->add_option("--plot", a->plot,
                      "Draw the run to FILE.png|svg|pdf: time series, and the phase portrait of "
                      "the first two variables (needs matplotlib)");
  run_cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors and warnings");
  run_cmd->add_flag("--stats", a->stats,
                    "Print the time of each phase (parse, lower, codegen, compile, load, run)");
  run_cmd->callback([a] { set_action([a] { return run(*a); }); });

  auto e = std::make_shared<RunFlags>();
  auto dir = std::make_shared<std::string>();
  CLI::App* export_cmd = app.add_subcommand(
      "export", "Write the generated C++ of a model and a build.sh that compiles it by hand");
  export_cmd->add_option("uri", e->uri, "Model URI or path")->required();
  export_cmd->add_option("dir", *dir, "Directory to write into (created if needed)")->required();
  export_cmd->add_option("--stepper", e->build.stepper, "Stepper name or alias");
  export_cmd->add_option("--dtype", e->build.dtype, "float64 | float32 (default: the model's)");
  export_cmd->add_flag("--march-native", e->build.march_native,
                       "build.sh compiles with -march=native");
  export_cmd->callback([e, dir] {
    set_action([e, dir] {
      BuildOptions bo = build_options(e->build);
      bo.jit = false;  // the sources exist without compiling anything
      const FullModel m = build(e->uri, bo);
      const auto files = m.export_sources(*dir);
      fmt::print("wrote {} files for model {} (stepper {}, {}) to {}\n", files.size(),
                 m.spec().name, m.stepper_name(), dtype_name(m.dtype()), *dir);
      fmt::print("rebuild the kernel by hand with: sh {}/build.sh\n", *dir);
      return 0;
    });
  });

  auto filters = std::make_shared<StepperFilters>();
  CLI::App* steppers_cmd = app.add_subcommand("steppers", "The stepper registry");
  steppers_cmd->require_subcommand(1);
  CLI::App* list_cmd = steppers_cmd->add_subcommand("list", "List steppers with their metadata");
  list_cmd->add_option("--kind", filters->kind, "Only steppers for 'ode' or 'map'")
      ->check(CLI::IsMember({"ode", "map"}));
  list_cmd->add_flag("--stiff", filters->stiff, "Only steppers meant for stiff problems");
  list_cmd->add_flag("--implicit", filters->implicit, "Only implicit steppers");
  list_cmd->add_flag("--jacobian", filters->jacobian,
                     "Only steppers that use the model's Jacobian (see jacobian_mode)");
  list_cmd->add_flag("--adaptive", filters->adaptive, "Only adaptive steppers");
  list_cmd->callback([filters] { set_action([filters] { return list_steppers(*filters); }); });
}

}  // namespace dynlib::cli
