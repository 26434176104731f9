// Bit-for-bit comparison of two test runs (test_wrapper.hpp's Sim): everything a run produced.
#pragma once

#include <gtest/gtest.h>

#include <cstring>

#include "kernel/test_wrapper.hpp"

namespace dynlib::kernel::testing {

template <class V>
bool same_bits(const V& a, const V& b, size_t n) {
  if (n == 0) return true;  // data() may be null: memcmp must not see it
  return a.size() >= n && b.size() >= n &&
         std::memcmp(a.data(), b.data(), n * sizeof(typename V::value_type)) == 0;
}

// Everything a run produced, compared bit for bit.
template <class M>
void expect_same_results(const Sim<M>& x, const Sim<M>& y) {
  ASSERT_EQ(x.rows(), y.rows());
  ASSERT_EQ(x.events(), y.events());
  const size_t r = x.rows(), e = x.events();
  EXPECT_TRUE(same_bits(x.rec_t, y.rec_t, r));
  EXPECT_TRUE(same_bits(x.rec_step, y.rec_step, r));
  EXPECT_TRUE(same_bits(x.rec_data, y.rec_data, r * x.rec_width()));
  EXPECT_TRUE(same_bits(x.evt_code, y.evt_code, e));
  EXPECT_TRUE(same_bits(x.evt_rec_index, y.evt_rec_index, e));
  EXPECT_TRUE(same_bits(x.evt_time, y.evt_time, e));
  EXPECT_TRUE(same_bits(x.evt_data, y.evt_data, e * x.a.evt_width));
  EXPECT_TRUE(same_bits(x.y, y.y, x.y.size()));
  EXPECT_TRUE(same_bits(x.p, y.p, x.p.size()));
  EXPECT_EQ(x.a.step, y.a.step);
  EXPECT_EQ(std::memcmp(&x.a.t, &y.a.t, sizeof x.a.t), 0);
  EXPECT_EQ(x.a.n_accepted, y.a.n_accepted);
  EXPECT_EQ(x.a.n_rejected, y.a.n_rejected);
  EXPECT_EQ(x.a.n_rhs, y.a.n_rhs);
}

}  // namespace dynlib::kernel::testing
