#!/usr/bin/env python3
"""Regenerates the erf/erfc polynomial fits of src/core/detmath.cpp (Debian: python3-mpmath).

Chebyshev fits at 40 digits on u in [-1, 1], printed highest degree first as C++ arrays, each
with the low part of its constant coefficient (detmath.cpp's fit_times() adds it) and the fit's
error bound. Run: python3 scripts/detmath_erf_fit.py
"""
import mpmath as mp

mp.mp.dps = 40


def fit(name, f, n):
    coeffs, err = mp.chebyfit(f, [-1, 1], n, error=True)
    c0 = coeffs[-1]
    print("// %s: degree %d, fit error %s; constant's low part %r" %
          (name, n - 1, mp.nstr(err, 3), float(c0 - mp.mpf(float(c0)))))
    print("constexpr std::array<double, %d> %s = {%s};" %
          (n, name, ", ".join(repr(float(c)) for c in coeffs)))


def erfcx(x):
    return mp.erfc(x) * mp.exp(x * x)


def x_erfcx_of_s(c, h):
    def f(u):
        s = c + h * u
        return erfcx(1 / mp.sqrt(s)) / mp.sqrt(s) if s > 0 else 1 / mp.sqrt(mp.pi)
    return f


two_over_sqrt_pi = 2 / mp.sqrt(mp.pi)
# erf(x) / x - 2/sqrt(pi) in u = 2 x^2 - 1, |x| <= 1
fit("kErfSmall", lambda u: (mp.erf(mp.sqrt((u + 1) / 2)) / mp.sqrt((u + 1) / 2)
                            if u > -1 else two_over_sqrt_pi) - two_over_sqrt_pi, 14)
fit("kErfcx05", lambda u: erfcx(0.75 + 0.25 * u), 15)  # x in [0.5, 1], u = 4x - 3
fit("kErfcx1", lambda u: erfcx(1.5 + 0.5 * u), 17)     # x in [1, 2], u = 2x - 3
fit("kErfcx2", lambda u: erfcx(3 + u), 20)             # x in [2, 4], u = x - 3
# x erfcx(x) in s = 1/x^2: x in [4, 8] (s in [1/64, 1/16]) and x >= 8 (s in [0, 1/64])
fit("kXErfcx4", x_erfcx_of_s(mp.mpf(5) / 128, mp.mpf(3) / 128), 14)
fit("kXErfcx8", x_erfcx_of_s(mp.mpf(1) / 128, mp.mpf(1) / 128), 10)
print("// 2/sqrt(pi) - 1 = %r" % float(two_over_sqrt_pi - 1))
