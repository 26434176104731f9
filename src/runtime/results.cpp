// Results: named, zero-copy access to what a run recorded.
#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

#include "runtime/results_data.hpp"

namespace dynlib {

using detail::ResultsData;

const char* status_name(Status s) {
  switch (s) {
    case Status::Done:
      return "done";
    case Status::EarlyExit:
      return "early_exit";
    case Status::StepFail:
      return "stepfail";
    case Status::NanDetected:
      return "nan_detected";
    case Status::UserBreak:
      return "user_break";
    case Status::MemoryLimit:
      return "memory_limit";
  }
  return "?";
}

Results::Results(std::shared_ptr<const ResultsData> data) : data_(std::move(data)) {
  if (!data_) data_ = std::make_shared<const ResultsData>();
}

DType Results::dtype() const {
  return data_->dtype;
}
size_t Results::size() const {
  return data_->rows;
}
const std::vector<double>& Results::t() const {
  return data_->t;
}
const std::vector<long long>& Results::step() const {
  return data_->step;
}
const std::vector<std::string>& Results::names() const {
  return data_->names;
}
const std::vector<std::string>& Results::state_names() const {
  return data_->state_names;
}
const std::vector<std::string>& Results::aux_names() const {
  return data_->aux_names;
}
size_t Results::width() const {
  return data_->width;
}
const std::vector<EventLog>& Results::events() const {
  return data_->events;
}
Status Results::status() const {
  return data_->status;
}
const std::string& Results::message() const {
  return data_->message;
}
std::vector<double> Results::final_state() const {
  return data_->final_state;
}
std::vector<long long> Results::final_state_i64() const {
  if (data_->dtype != DType::Int64)
    throw DynlibError(
        fmt::format("final_state_i64() reads int64 results, but these are {}; use final_state()",
                    dtype_name(data_->dtype)));
  return data_->final_state_i64;
}
double Results::final_time() const {
  return data_->final_time;
}
long long Results::steps() const {
  return data_->steps;
}
long long Results::accepted_steps() const {
  return data_->accepted;
}
long long Results::rejected_steps() const {
  return data_->rejected;
}
const Evaluations& Results::evaluations() const {
  return data_->evaluations;
}
double Results::wall_seconds() const {
  return data_->wall;
}
const RunStats& Results::run_stats() const {
  static const RunStats none;
  return data_ ? data_->run_stats : none;
}

namespace {

// Column index of `name` (a state, "aux.energy" or a bare aux name: the layout's grammar), or -1.
int find_column(const ResultsData& d, const std::string& name) {
  if (!d.model) return -1;  // no run yet
  const auto r = d.model->layout.find(name, {NameKind::State, NameKind::Aux});
  if (!r) return -1;
  const auto& recorded = r->kind == NameKind::State ? d.state_names : d.aux_names;
  const std::string& declared = r->kind == NameKind::State
                                    ? d.model->layout.state_names()[static_cast<size_t>(r->index)]
                                    : d.model->layout.aux_names()[static_cast<size_t>(r->index)];
  if (std::find(recorded.begin(), recorded.end(), declared) == recorded.end()) return -1;
  auto it = std::find(d.names.begin(), d.names.end(), declared);
  return it == d.names.end() ? -1 : static_cast<int>(it - d.names.begin());
}

int column_or_throw(const ResultsData& d, const std::string& name) {
  const int c = find_column(d, name);
  if (c >= 0) return c;
  if (!d.model) throw DynlibError(fmt::format("no variable named '{}': nothing was run yet", name));
  if (d.model->layout.find(name, {NameKind::State, NameKind::Aux}))
    throw DynlibError(fmt::format(
        "'{}' was not recorded (recorded: {}); add it to record_vars", name,
        d.names.empty() ? std::string("only time") : fmt::format("{}", fmt::join(d.names, ", "))));
  std::vector<std::string> all = d.model->layout.state_names();
  for (const auto& a : d.model->layout.aux_names()) all.push_back(a);
  throw DynlibError(with_suggestion(fmt::format("no variable named '{}' in the results", name),
                                    name, all, "variables"));
}

[[noreturn]] void dtype_mismatch(const ResultsData& d, const char* want, const char* call) {
  throw DynlibError(
      fmt::format("{}() reads {} results, but these are {}; use {} or column_as_double()", call,
                  want, dtype_name(d.dtype),
                  d.dtype == DType::Float64   ? "column()"
                  : d.dtype == DType::Float32 ? "column_f32()"
                                              : "column_i64()"));
}

template <class T>
ColumnView<T> view(const ResultsData& d, const std::vector<T>& buf, int col) {
  ColumnView<T> v;
  v.data = d.rows > 0 ? buf.data() + col : nullptr;  // no pointer arithmetic on an empty buffer
  v.size = d.rows;
  v.stride = d.width;
  return v;
}

}  // namespace

bool Results::has(const std::string& name) const {
  return find_column(*data_, name) >= 0;
}

ColumnView<double> Results::column(const std::string& name) const {
  const int c = column_or_throw(*data_, name);
  if (data_->dtype != DType::Float64) dtype_mismatch(*data_, "float64", "column");
  return view(*data_, data_->f64, c);
}

ColumnView<float> Results::column_f32(const std::string& name) const {
  const int c = column_or_throw(*data_, name);
  if (data_->dtype != DType::Float32) dtype_mismatch(*data_, "float32", "column_f32");
  return view(*data_, data_->f32, c);
}

ColumnView<long long> Results::column_i64(const std::string& name) const {
  const int c = column_or_throw(*data_, name);
  if (data_->dtype != DType::Int64) dtype_mismatch(*data_, "int64", "column_i64");
  return view(*data_, data_->i64, c);
}

std::vector<double> Results::column_as_double(const std::string& name) const {
  const int c = column_or_throw(*data_, name);
  std::vector<double> out(data_->rows);
  const size_t w = data_->width;
  for (size_t i = 0; i < data_->rows; ++i) {
    const size_t k = i * w + static_cast<size_t>(c);
    switch (data_->dtype) {
      case DType::Float64:
        out[i] = data_->f64[k];
        break;
      case DType::Float32:
        out[i] = static_cast<double>(data_->f32[k]);
        break;
      case DType::Int64:
        out[i] = static_cast<double>(data_->i64[k]);
        break;
    }
  }
  return out;
}

template <class T>
const T* Results::raw_data() const {
  if constexpr (std::is_same_v<T, double>) {
    if (data_->dtype != DType::Float64) dtype_mismatch(*data_, "float64", "raw_data<double>");
    return data_->f64.data();
  } else if constexpr (std::is_same_v<T, float>) {
    if (data_->dtype != DType::Float32) dtype_mismatch(*data_, "float32", "raw_data<float>");
    return data_->f32.data();
  } else {
    static_assert(std::is_same_v<T, long long>, "raw_data<T>: T is double, float or long long");
    if (data_->dtype != DType::Int64) dtype_mismatch(*data_, "int64", "raw_data<long long>");
    return data_->i64.data();
  }
}
template const double* Results::raw_data<double>() const;
template const float* Results::raw_data<float>() const;
template const long long* Results::raw_data<long long>() const;

const std::map<std::string, ObserverResult>& Results::observers() const {
  return data_->observers;
}
const ObserverResult& Results::observer(const std::string& name) const {
  const auto it = data_->observers.find(name);
  if (it != data_->observers.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& [n, r] : data_->observers) names.push_back(n);
  throw DynlibError(with_suggestion(
      names.empty() ? fmt::format("no observer named '{}': the run had no observers", name)
                    : fmt::format("no observer named '{}'", name),
      name, names, "observers"));
}

const EventLog& Results::event(const std::string& name) const {
  for (const auto& e : data_->events)
    if (e.name == name) return e;
  std::vector<std::string> names;
  for (const auto& e : data_->events) names.push_back(e.name);
  throw DynlibError(
      with_suggestion(fmt::format("no event named '{}'", name), name, names, "events"));
}

}  // namespace dynlib
