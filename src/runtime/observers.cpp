// The public observer factories (observers.hpp) and ObserverResult's accessors.
#include <fmt/format.h>

#include "dynlib/dynlib.hpp"

namespace dynlib {

ObserverSpec lyapunov_mle_observer(long long record_interval, const std::string& mode) {
  ObserverSpec s;
  s.kind = ObserverSpec::Kind::LyapunovMle;
  s.name = "lyapunov_mle";
  s.k = 1;
  s.record_interval = record_interval;
  s.mode = mode;
  return s;
}

ObserverSpec lyapunov_spectrum_observer(int k, long long record_interval, const std::string& mode,
                                        std::vector<double> init_basis) {
  ObserverSpec s;
  s.kind = ObserverSpec::Kind::LyapunovSpectrum;
  s.name = "lyapunov_spectrum";
  s.k = k;
  s.record_interval = record_interval;
  s.mode = mode;
  s.init_basis = std::move(init_basis);
  return s;
}

ObserverSpec callback_observer(std::string name,
                               std::function<ObserverReply(const ObserverPoint&)> callback,
                               long long every) {
  ObserverSpec s;
  s.kind = ObserverSpec::Kind::Callback;
  s.name = std::move(name);
  s.callback = std::move(callback);
  s.every = every;
  return s;
}

ObserverSpec block_observer(std::string name, std::function<bool(const ObserverBlock&)> callback,
                            long long block_rows) {
  ObserverSpec s;
  s.kind = ObserverSpec::Kind::Block;
  s.name = std::move(name);
  s.block_callback = std::move(callback);
  s.block_rows = block_rows;
  return s;
}

double ObserverResult::output(const std::string& key) const {
  for (size_t i = 0; i < output_names.size(); ++i)
    if (output_names[i] == key) return out[i];
  throw DynlibError(
      with_suggestion(fmt::format("observer '{}' has no output named '{}'", name, key), key,
                      output_names, "outputs"));
}

std::vector<double> ObserverResult::trace_column(const std::string& key) const {
  for (size_t j = 0; j < trace_names.size(); ++j) {
    if (trace_names[j] != key) continue;
    std::vector<double> col(trace_rows);
    for (size_t r = 0; r < trace_rows; ++r) col[r] = trace[r * trace_names.size() + j];
    return col;
  }
  throw DynlibError(with_suggestion(fmt::format("observer '{}' has no trace named '{}'", name, key),
                                    key, trace_names, "traces"));
}

}  // namespace dynlib
