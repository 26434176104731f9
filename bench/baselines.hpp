// Hand-written C++ baselines: the same algorithms as dynlib's steppers on the same models, written
// as plain loops the way a careful C++ programmer would, recording into a preallocated buffer.
// Benchmarks divide dynlib's time per step by these.
#pragma once

#include <cmath>
#include <vector>

namespace bench {

struct Recorder {
  std::vector<double> t, data;
  void reserve(size_t rows, size_t width) {
    t.reserve(rows);
    data.reserve(rows * width);
  }
  void clear() {
    t.clear();
    data.clear();
  }
};

// Lorenz (sigma, rho, beta) with classic RK4, fixed dt, n steps, every state recorded each step.
inline double lorenz_rk4(double dt, long long n, Recorder* rec) {
  const double sigma = 10, rho = 28, beta = 8.0 / 3.0;
  double x = 1, y = 1, z = 1;
  auto f = [&](double x_, double y_, double z_, double* d) {
    d[0] = sigma * (y_ - x_);
    d[1] = x_ * (rho - z_) - y_;
    d[2] = x_ * y_ - beta * z_;
  };
  if (rec) {
    rec->t.push_back(0);
    rec->data.insert(rec->data.end(), {x, y, z});
  }
  double k1[3], k2[3], k3[3], k4[3];
  for (long long i = 1; i <= n; ++i) {
    f(x, y, z, k1);
    f(x + 0.5 * dt * k1[0], y + 0.5 * dt * k1[1], z + 0.5 * dt * k1[2], k2);
    f(x + 0.5 * dt * k2[0], y + 0.5 * dt * k2[1], z + 0.5 * dt * k2[2], k3);
    f(x + dt * k3[0], y + dt * k3[1], z + dt * k3[2], k4);
    x += dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
    y += dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
    z += dt / 6 * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2]);
    if (rec) {
      rec->t.push_back(static_cast<double>(i) * dt);
      rec->data.insert(rec->data.end(), {x, y, z});
    }
  }
  return x + y + z;
}

// Izhikevich (regular spiking) with RK4 and the reset event after each step.
inline double izhikevich_rk4(double dt, long long n, Recorder* rec, long long* spikes) {
  const double a = 0.02, b = 0.2, c = -65, d = 8, I = 10;
  double v = -65, u = b * v;
  auto f = [&](double v_, double u_, double* o) {
    o[0] = 0.04 * v_ * v_ + 5 * v_ + 140 - u_ + I;
    o[1] = a * (b * v_ - u_);
  };
  double k1[2], k2[2], k3[2], k4[2];
  for (long long i = 1; i <= n; ++i) {
    f(v, u, k1);
    f(v + 0.5 * dt * k1[0], u + 0.5 * dt * k1[1], k2);
    f(v + 0.5 * dt * k2[0], u + 0.5 * dt * k2[1], k3);
    f(v + dt * k3[0], u + dt * k3[1], k4);
    v += dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
    u += dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
    if (v >= 30) {
      v = c;
      u += d;
      ++*spikes;
    }
    if (rec) {
      rec->t.push_back(static_cast<double>(i) * dt);
      rec->data.insert(rec->data.end(), {v, u});
    }
  }
  return v + u;
}

// Van der Pol (mu) with Dormand-Prince 5(4), FSAL, the standard error norm and controller.
inline double vanderpol_rk45(double t_end, double tol, Recorder* rec, long long* steps) {
  const double mu = 1;
  double y[2] = {2, 0};
  auto f = [&](const double* s, double* o) {
    o[0] = s[1];
    o[1] = mu * (1 - s[0] * s[0]) * s[1] - s[0];
  };
  static const double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
  static const double a21 = 1.0 / 5;
  static const double a31 = 3.0 / 40, a32 = 9.0 / 40;
  static const double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
  static const double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
                      a54 = -212.0 / 729;
  static const double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247,
                      a64 = 49.0 / 176, a65 = -5103.0 / 18656;
  static const double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784,
                      b6 = 11.0 / 84;
  static const double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920,
                      e5 = -17253.0 / 339200, e6 = 22.0 / 525, e7 = -1.0 / 40;
  (void)c2, (void)c3, (void)c4, (void)c5;
  double t = 0, h = 1e-3;
  double k1[2], k2[2], k3[2], k4[2], k5[2], k6[2], k7[2], s[2], yn[2];
  f(y, k1);
  long long accepted = 0;
  while (t < t_end) {
    if (t + h > t_end) h = t_end - t;
    for (int i = 0; i < 2; ++i) s[i] = y[i] + h * (a21 * k1[i]);
    f(s, k2);
    for (int i = 0; i < 2; ++i) s[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
    f(s, k3);
    for (int i = 0; i < 2; ++i) s[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    f(s, k4);
    for (int i = 0; i < 2; ++i)
      s[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    f(s, k5);
    for (int i = 0; i < 2; ++i)
      s[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    f(s, k6);
    for (int i = 0; i < 2; ++i)
      yn[i] = y[i] + h * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
    f(yn, k7);
    double err = 0;
    for (int i = 0; i < 2; ++i) {
      const double e =
          h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
      const double sc = tol + tol * std::fmax(std::fabs(y[i]), std::fabs(yn[i]));
      err += (e / sc) * (e / sc);
    }
    err = std::sqrt(err / 2);
    if (err <= 1) {
      t += h;
      y[0] = yn[0];
      y[1] = yn[1];
      k1[0] = k7[0];
      k1[1] = k7[1];
      ++accepted;
      if (rec) {
        rec->t.push_back(t);
        rec->data.insert(rec->data.end(), {y[0], y[1]});
      }
    }
    const double factor =
        err == 0 ? 10 : std::fmin(10.0, std::fmax(0.2, 0.9 * std::pow(err, -0.2)));
    h *= factor;
  }
  *steps = accepted;
  return y[0] + y[1];
}

// Logistic map r x (1 - x), n iterations, every value recorded with its time (the iteration).
// Without recording: the loop a C++ programmer writes for the final value alone. The logistic
// loops are not inlined: inlined into the benchmark loop, GCC kept x in memory (a store and a
// load per step: 4.2 instead of 1.7 ns/step unrecorded).
[[gnu::noinline]] inline double logistic(double r, long long n) {
  double x = 0.1;
  for (long long i = 0; i < n; ++i) x = r * x * (1 - x);
  return x;
}

[[gnu::noinline]] inline double logistic(double r, long long n, Recorder* rec) {
  double x = 0.1;
  if (rec) {
    rec->t.push_back(0);
    rec->data.push_back(x);
  }
  for (long long i = 0; i < n; ++i) {
    x = r * x * (1 - x);
    if (rec) {
      rec->t.push_back(static_cast<double>(i + 1));
      rec->data.push_back(x);
    }
  }
  return x;
}

}  // namespace bench
