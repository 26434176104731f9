// A traced branch as output segments: clipped to the bounds, optionally resampled by arc length
// (docs/manifolds.md).
#include <algorithm>
#include <cmath>

#include "analysis/manifold_internal.hpp"

namespace dynlib::analysis {

std::vector<std::pair<double, double>> manifold_clip_box(const ManifoldOptions& o) {
  std::vector<std::pair<double, double>> box = o.bounds;
  for (auto& [lo, hi] : box) {
    const double pad = (hi - lo) * o.clip_margin;
    lo -= pad;
    hi += pad;
  }
  return box;
}

bool inside_box(const double* x, const std::vector<std::pair<double, double>>& box) {
  for (size_t i = 0; i < box.size(); ++i)
    if (!(x[i] >= box[i].first && x[i] <= box[i].second)) return false;
  return true;
}

namespace {

// `seg` again with points every h of arc length from its start (the last one at its end when the
// length is a multiple of h; the spacing is length / floor(length / h), at least h, as the
// reference's resampling), interpolating points and parameters linearly along the polyline.
ManifoldSegment resample(const ManifoldSegment& seg, double h) {
  const size_t n = static_cast<size_t>(seg.n_state), count = seg.count();
  std::vector<double> s(count, 0.0);  // cumulative arc length
  for (size_t i = 1; i < count; ++i) {
    double d = 0;
    for (size_t k = 0; k < n; ++k) {
      const double e = seg.points[i * n + k] - seg.points[(i - 1) * n + k];
      d += e * e;
    }
    s[i] = s[i - 1] + std::sqrt(d);
  }
  const double length = s.back();
  if (!(length > 0) || !std::isfinite(length)) return seg;
  const size_t m = static_cast<size_t>(std::floor(length / h)) + 1;
  if (m < 2) return seg;
  ManifoldSegment out;
  out.n_state = seg.n_state;
  out.points.reserve(m * n);
  out.param.reserve(m);
  size_t j = 0;  // s[j] <= target <= s[j + 1]
  for (size_t i = 0; i < m; ++i) {
    const double target =
        i + 1 == m ? length : length * static_cast<double>(i) / static_cast<double>(m - 1);
    while (j + 2 < count && s[j + 1] < target) ++j;
    const double span = s[j + 1] - s[j];
    const double w = span > 0 ? std::clamp((target - s[j]) / span, 0.0, 1.0) : 0.0;
    for (size_t k = 0; k < n; ++k) {
      const double a = seg.points[j * n + k], b = seg.points[(j + 1) * n + k];
      out.points.push_back(a + w * (b - a));
    }
    const double pa = seg.param[j], pb = seg.param[j + 1];
    // The fixed point's parameter is -inf: points on its first chord take the seed's.
    out.param.push_back(std::isfinite(pa) ? pa + w * (pb - pa) : pb);
  }
  return out;
}

}  // namespace

void finish_segments(ManifoldBranch& branch, const ManifoldOptions& o,
                     std::optional<double> resample_h) {
  const size_t n = static_cast<size_t>(branch.n_state), count = branch.count();
  branch.segments.clear();
  auto emit = [&](size_t begin, size_t end) {  // points [begin, end)
    if (end - begin < 2 || branch.segments.size() >= static_cast<size_t>(o.max_segments)) return;
    ManifoldSegment seg;
    seg.n_state = branch.n_state;
    seg.points.assign(branch.points.begin() + static_cast<std::ptrdiff_t>(begin * n),
                      branch.points.begin() + static_cast<std::ptrdiff_t>(end * n));
    seg.param.assign(branch.param.begin() + static_cast<std::ptrdiff_t>(begin),
                     branch.param.begin() + static_cast<std::ptrdiff_t>(end));
    branch.segments.push_back(resample_h ? resample(seg, *resample_h) : std::move(seg));
  };
  for (size_t p = 0; p < branch.piece_begin.size(); ++p) {
    const size_t piece_end = p + 1 < branch.piece_begin.size() ? branch.piece_begin[p + 1] : count;
    size_t run = branch.piece_begin[p];  // start of the current run of inside points
    for (size_t i = branch.piece_begin[p]; i < piece_end; ++i) {
      if (inside_box(branch.points.data() + i * n, o.bounds)) continue;
      emit(run, i);
      run = i + 1;
    }
    emit(run, piece_end);
  }
}

}  // namespace dynlib::analysis
