#include "cli/csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace dynlib::cli {
namespace {

struct File {
  explicit File(const std::string& path) : path(path), f(std::fopen(path.c_str(), "w")) {
    if (!f) throw DynlibError(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
  }
  ~File() {
    if (f) std::fclose(f);
  }
  void close() {
    const bool bad = std::ferror(f) != 0;
    const int rc = std::fclose(f);
    f = nullptr;
    if (bad || rc != 0)
      throw DynlibError(fmt::format("error writing '{}': {}", path, std::strerror(errno)));
  }
  std::string path;
  FILE* f;
};

void write_row(FILE* f, const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) std::fputc(',', f);
    std::fputs(cells[i].c_str(), f);
  }
  std::fputc('\n', f);
}

}  // namespace

std::string format_number(DType d, double v) {
  switch (d) {
    case DType::Float32:
      return fmt::format("{:.9g}", v);
    case DType::Int64:
      // A value that came through a double (exact up to 2^53) may have rounded to 2^63, which no
      // int64 holds: print that double as it is rather than cast it out of range.
      if (v >= -9223372036854775808.0 && v < 9223372036854775808.0)
        return fmt::format("{}", static_cast<long long>(v));
      return fmt::format("{:.17g}", v);
    default:
      return fmt::format("{:.17g}", v);
  }
}

size_t write_results_csv(const std::string& path, const Results& r,
                         const std::vector<std::string>& state_names, bool final_only) {
  File out(path);
  const DType d = r.dtype();
  if (final_only) {
    std::vector<std::string> header{"t"};
    header.insert(header.end(), state_names.begin(), state_names.end());
    write_row(out.f, header);
    std::vector<std::string> row{fmt::format("{:.17g}", r.final_time())};
    if (d == DType::Int64)  // exact: final_state() rounds beyond 2^53
      for (long long v : r.final_state_i64()) row.push_back(fmt::format("{}", v));
    else
      for (double v : r.final_state()) row.push_back(format_number(d, v));
    write_row(out.f, row);
    out.close();
    return 1;
  }
  std::vector<std::string> header{"t"};
  header.insert(header.end(), r.names().begin(), r.names().end());
  write_row(out.f, header);
  std::vector<std::vector<double>> columns;
  std::vector<ColumnView<long long>> int_columns;  // int64: exact (a double rounds beyond 2^53)
  for (const auto& n : r.names()) {
    if (d == DType::Int64)
      int_columns.push_back(r.column_i64(n));
    else
      columns.push_back(r.column_as_double(n));
  }
  const auto& t = r.t();
  std::vector<std::string> row;
  for (size_t i = 0; i < r.size(); ++i) {
    row.clear();
    // Time is stored as double whatever the dtype; print it at its own round-trip precision.
    row.push_back(d == DType::Float32 ? fmt::format("{:.9g}", t[i]) : fmt::format("{:.17g}", t[i]));
    for (const auto& c : columns) row.push_back(format_number(d, c[i]));
    for (const auto& c : int_columns) row.push_back(fmt::format("{}", c[i]));
    write_row(out.f, row);
  }
  out.close();
  return r.size();
}

std::string events_csv_path(const std::string& out) {
  const std::string suffix = ".csv";
  if (out.size() > suffix.size() &&
      out.compare(out.size() - suffix.size(), suffix.size(), suffix) == 0)
    return out.substr(0, out.size() - suffix.size()) + ".events.csv";
  return out + ".events.csv";
}

size_t write_events_csv(const std::string& path, const Results& r) {
  struct Firing {
    double t;
    const EventLog* log;
    size_t index;
  };
  std::vector<Firing> firings;
  std::vector<std::string> fields;
  for (const auto& e : r.events()) {
    for (size_t i = 0; i < e.t.size(); ++i) firings.push_back({e.t[i], &e, i});
    for (const auto& f : e.fields)
      if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
  }
  if (firings.empty()) {
    std::error_code ec;
    std::filesystem::remove(path, ec);  // a stale file from an earlier run would mislead
    return 0;
  }
  // Chronological, ties in event declaration order (the order the runner fired them in).
  std::stable_sort(firings.begin(), firings.end(),
                   [](const Firing& a, const Firing& b) { return a.t < b.t; });
  File out(path);
  std::vector<std::string> header{"event", "t"};
  header.insert(header.end(), fields.begin(), fields.end());
  write_row(out.f, header);
  const DType d = r.dtype();
  for (const auto& f : firings) {
    std::vector<std::string> row{f.log->name, fmt::format("{:.17g}", f.t)};
    for (const auto& field : fields) {
      auto it = std::find(f.log->fields.begin(), f.log->fields.end(), field);
      const size_t k = static_cast<size_t>(it - f.log->fields.begin());
      row.push_back(it == f.log->fields.end() ? std::string{}
                    : d == DType::Int64  // exact: values rounds beyond 2^53
                        ? fmt::format("{}", f.log->values_i64[k][f.index])
                        : format_number(d, f.log->values[k][f.index]));
    }
    write_row(out.f, row);
  }
  out.close();
  return firings.size();
}

}  // namespace dynlib::cli
