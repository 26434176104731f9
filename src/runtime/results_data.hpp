// The data behind a Results: the recorded buffer in the model's dtype (row-major, `width` values
// per sample), sample times and steps, event logs, and how the run ended. Built by the wrapper at
// the end of a run; the buffers are moved in from the wrapper, never copied.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dynlib/dynlib.hpp"
#include "pipeline/built_model.hpp"
#include "runtime/record_pool.hpp"

namespace dynlib::detail {

struct ResultsData {
  DType dtype = DType::Float64;
  size_t rows = 0, width = 0;
  std::vector<double> t;
  std::vector<long long> step;
  std::vector<double> f64;  // exactly one of these holds rows * width values
  std::vector<float> f32;
  std::vector<long long> i64;

  std::vector<std::string> names, state_names, aux_names;  // recorded, column order
  std::shared_ptr<const BuiltModel> model;                 // its layout names every variable

  std::vector<EventLog> events;

  Status status = Status::Done;
  std::string message = "no run yet";
  std::vector<double> final_state;
  std::vector<long long> final_state_i64;  // int64 models: exact (final_state rounds beyond 2^53)
  double final_time = 0.0;
  long long steps = 0, accepted = 0, rejected = 0;
  Evaluations evaluations;
  std::map<std::string, ObserverResult> observers;
  double wall = 0.0;
  RunStats run_stats;

  // The Sim whose run recorded these buffers: they go back to it when the last Results holding
  // them is released (record_pool.hpp).
  std::weak_ptr<RecordPool> recycle;
  ResultsData() = default;
  ResultsData(const ResultsData&) = default;
  ResultsData(ResultsData&&) = default;
  ResultsData& operator=(const ResultsData&) = default;
  ResultsData& operator=(ResultsData&&) = default;
  ~ResultsData() {
    if (auto pool = recycle.lock())
      pool->give({std::move(t), std::move(step), std::move(f64), std::move(f32), std::move(i64)});
  }
};

}  // namespace dynlib::detail
