#include "cli/csv.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace dynlib::cli {
namespace {

// Rows are formatted into this buffer and written in blocks of about a megabyte.
constexpr size_t kFlushBytes = size_t{1} << 20;

void put_row(fmt::memory_buffer& buf, const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) buf.push_back(',');
    buf.append(cells[i]);
  }
  buf.push_back('\n');
}

void flush_if_full(OutputFile& out, fmt::memory_buffer& buf) {
  if (buf.size() < kFlushBytes) return;
  out.write(buf);
  buf.clear();
}

// Time is stored as double whatever the dtype; printed at its own round-trip precision.
std::string format_time(DType d, double t) {
  return d == DType::Float32 ? fmt::format("{:.9g}", t) : fmt::format("{:.17g}", t);
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

void SamplesCsv::add(const Results& part) {
  fmt::memory_buffer buf;
  if (!header_) {
    std::vector<std::string> header{"t"};
    header.insert(header.end(), part.names().begin(), part.names().end());
    put_row(buf, header);
    header_ = true;
  }
  const DType d = part.dtype();
  std::vector<std::vector<double>> columns;
  std::vector<ColumnView<long long>> int_columns;  // int64: exact (a double rounds beyond 2^53)
  for (const auto& n : part.names()) {
    if (d == DType::Int64)
      int_columns.push_back(part.column_i64(n));
    else
      columns.push_back(part.column_as_double(n));
  }
  const auto& t = part.t();
  std::vector<std::string> row;
  for (size_t i = 0; i < part.size(); ++i) {
    row.clear();
    row.push_back(format_time(d, t[i]));
    for (const auto& c : columns) row.push_back(format_number(d, c[i]));
    for (const auto& c : int_columns) row.push_back(fmt::format("{}", c[i]));
    put_row(buf, row);
    flush_if_full(out_, buf);
  }
  out_.write(buf);
  rows_ += part.size();
}

void EventsCsv::add(const Results& part) {
  struct Firing {
    double t;
    const EventLog* log;
    size_t index;
  };
  std::vector<Firing> firings;
  for (const auto& e : part.events()) {
    for (size_t i = 0; i < e.t.size(); ++i) firings.push_back({e.t[i], &e, i});
    if (!header_)
      for (const auto& f : e.fields)
        if (std::find(fields_.begin(), fields_.end(), f) == fields_.end()) fields_.push_back(f);
  }
  fmt::memory_buffer buf;
  if (!header_) {
    std::vector<std::string> header{"event", "t"};
    for (const auto& f : fields_) header.push_back(f == "event" || f == "t" ? "log." + f : f);
    put_row(buf, header);
    header_ = true;
  }
  // Chronological, ties in event declaration order (the order the runner fired them in).
  std::stable_sort(firings.begin(), firings.end(),
                   [](const Firing& a, const Firing& b) { return a.t < b.t; });
  const DType d = part.dtype();
  std::vector<std::string> row;
  for (const auto& f : firings) {
    row = {f.log->name, fmt::format("{:.17g}", f.t)};
    for (const auto& field : fields_) {
      auto it = std::find(f.log->fields.begin(), f.log->fields.end(), field);
      const size_t k = static_cast<size_t>(it - f.log->fields.begin());
      row.push_back(it == f.log->fields.end() ? std::string{}
                    : d == DType::Int64  // exact: values rounds beyond 2^53
                        ? fmt::format("{}", f.log->values_i64[k][f.index])
                        : format_number(d, f.log->values[k][f.index]));
    }
    put_row(buf, row);
    flush_if_full(out_, buf);
  }
  out_.write(buf);
  firings_ += firings.size();
}

void write_final_state_csv(OutputFile& out, const Results& r,
                           const std::vector<std::string>& state_names) {
  fmt::memory_buffer buf;
  std::vector<std::string> header{"t"};
  header.insert(header.end(), state_names.begin(), state_names.end());
  put_row(buf, header);
  std::vector<std::string> row{fmt::format("{:.17g}", r.final_time())};
  if (r.dtype() == DType::Int64)  // exact: final_state() rounds beyond 2^53
    for (long long v : r.final_state_i64()) row.push_back(fmt::format("{}", v));
  else
    for (double v : r.final_state()) row.push_back(format_number(r.dtype(), v));
  put_row(buf, row);
  out.write(buf);
}

size_t write_results_csv(const std::string& path, const Results& r) {
  OutputFile out(path);
  SamplesCsv samples(out);
  samples.add(r);
  out.commit();
  return samples.rows();
}

std::string events_csv_path(const std::string& out) {
  const std::string suffix = ".csv";
  if (out.size() > suffix.size() &&
      out.compare(out.size() - suffix.size(), suffix.size(), suffix) == 0)
    return out.substr(0, out.size() - suffix.size()) + ".events.csv";
  return out + ".events.csv";
}

}  // namespace dynlib::cli
