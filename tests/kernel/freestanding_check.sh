#!/usr/bin/env bash
# Proves the kernel is freestanding: every header under src/kernel compiles with no standard
# library at all (-nostdinc -nostdinc++ -ffreestanding, no exceptions, no RTTI), and every stepper
# instantiates the runner for float, double and long long models: each variant, with an observer,
# and (float types) a Variational model with the renormalising observer.
# Usage: freestanding_check.sh [SOURCE_DIR] [COMPILER...]   (default compilers: g++ clang++)
set -euo pipefail
src="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
shift || true
compilers=("$@")
[ ${#compilers[@]} -eq 0 ] && compilers=(g++ clang++)

if grep -rnE '^\s*#\s*include\s*<' "$src/src/kernel"; then
  echo "FAIL: the kernel includes a system header (above)" >&2
  exit 1
fi

tu="$(mktemp --suffix=.cpp)"
trap 'rm -f "$tu"' EXIT
(cd "$src/src" && find kernel -name '*.hpp' | sort | sed 's/.*/#include "&"/') > "$tu"
cat >> "$tu" <<'CPP'

namespace fs {
using namespace dynlib::kernel;
template <class R>
struct Model {
  using real_t = R;
  using Time = time_t_of<R>;
  int n_state() const { return 2; }
  int n_param() const { return 1; }
  int n_aux() const { return 1; }
  int n_event() const { return 1; }
  int lag_depth(int s) const { return s; }
  void rhs(Time, const R* y, const R* p, const LagView<R>& lag, R* out) const {
    out[0] = y[1];
    out[1] = -p[0] * y[0] + lag(0, 1);
  }
  void aux(Time, const R* y, const R*, const LagView<R>&, R* out) const { out[0] = y[0] * y[0]; }
  int event_phases(int) const { return PHASE_START | PHASE_END; }
  bool event_cond(int, Time, const R* y, const R*, const LagView<R>&) const { return y[0] > 1; }
  void event_action(int, Time, const R*, const R*, const LagView<R>&, R* y_out, R*) const {
    y_out[0] = 0;
  }
  int event_log_size(int) const { return 1; }
  void event_log(int, Time, const R* y, const R*, const LagView<R>&, R* out) const {
    out[0] = y[1];
  }
  void jvp(Time, const R* y, const R* p, const LagView<R>&, const R* v, R* out) const {
    out[0] = v[1];
    out[1] = -p[0] * v[0] + 0 * y[0];
  }
};
struct Count {
  long long steps = 0;
  template <class M, class R>
  int on_step(const M&, const Observation<R>&) {
    return ++steps > 10 ? OBS_STOP : OBS_CONTINUE;
  }
};
template <class R>
int run_any(int id, RunArgs<R>& a) {
  Model<R> m;
  Count count;
  int s = dispatch_stepper(id, [&]<class S>() { return run<S>(m, a); });
  s |= dispatch_stepper(id, [&]<class S>() { return run<S, RunVariant::fast>(m, a, count); });
  s |= dispatch_stepper(id, [&]<class S>() { return run<S, RunVariant::analysis>(m, a, count); });
  if constexpr (is_floating<R>) {
    R jac[4] = {}, r[4] = {};
    double sums[2] = {}, growth[2] = {1, 1};
    ObserveArgs<R> o{};
    o.k = 2;
    o.log_growth = sums;
    o.growth = growth;
    o.r = r;
    o.jac_scratch = jac;
    const Variational<Model<R>> var{m, 2, jac};
    TangentObserver<R> lyap{o, m.n_state()};
    Both<TangentObserver<R>, Count> both{lyap, count};
    s |= dispatch_stepper(id, [&]<class S>() { return run<S>(var, a, both); });
  }
  return s;
}
template int run_any<float>(int, RunArgs<float>&);
template int run_any<double>(int, RunArgs<double>&);
template int run_any<long long>(int, RunArgs<long long>&);
}  // namespace fs
CPP

status=0
for cxx in "${compilers[@]}"; do
  if ! command -v "$cxx" > /dev/null; then
    echo "skip: $cxx not found"
    continue
  fi
  if "$cxx" -std=c++20 -fsyntax-only -nostdinc -nostdinc++ -ffreestanding -fno-exceptions \
      -fno-rtti -ffp-contract=off -Wall -Wextra -Wpedantic -Werror -I"$src/src" "$tu"; then
    echo "ok: $cxx"
  else
    echo "FAIL: $cxx" >&2
    status=1
  fi
done
exit $status
