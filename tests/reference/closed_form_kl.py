#!/usr/bin/env python3
"""High-precision references for every registered closed-form KL pair, at random parameters
including extreme ones (widths 1e-8..1e8, shapes 1e-3..1e16 where valid).

Each formula here is the textbook one (Penny 2001; cross entropy minus entropy, as written in
/work/shared/GROUND-TRUTH.md), evaluated with mpmath at enough digits to absorb its
cancellation: every case is computed at two precisions (the working one and 30 digits more),
and a case whose two values differ beyond 1e-25 relative is an error of this script. The
parameters are printed as shortest round-trip doubles, which mpmath takes exactly.

Usage: closed_form_kl.py > tests/data/closed_form_kl.tsv
Output: one case per line, `p_spec <TAB> q_spec <TAB> KL in nats (20 digits, or inf)`.
"""
import math
import random
import sys

import mpmath as mp
from mpmath import mpf

CASES = 200  # per pair
SEED = 20261208


# ---- parameter draws ----------------------------------------------------------------------

def log_uniform(rng, lo, hi):
    return float(10 ** rng.uniform(math.log10(lo), math.log10(hi)))


def width(rng):
    return log_uniform(rng, 1e-8, 1e8)


def shape(rng, lo=1e-3, hi=1e16):
    return log_uniform(rng, lo, hi)


def near(rng, x, spread=1.0):
    """x times a factor in (e^-spread, e^spread): a second parameter of comparable size."""
    return float(x * math.exp(rng.uniform(-spread, spread)))


def scale_of(rng, s):
    """Either a scale comparable to s, or an unrelated one."""
    return near(rng, s, 2.0) if rng.random() < 0.6 else width(rng)


def loc(rng, s):
    """A location within a few scales s of 0, sometimes far out."""
    return float(s * rng.uniform(-5, 5) * (10 ** rng.uniform(0, 3) if rng.random() < 0.2 else 1))


def prob(rng):
    return float(10 ** rng.uniform(-8, 0)) if rng.random() < 0.5 else rng.uniform(0.001, 0.999)


def num(x):
    return repr(float(x))


def spec(name, **kw):
    return name + "(" + ", ".join(f"{k}={v}" for k, v in kw.items()) + ")"


# ---- mpmath pieces ------------------------------------------------------------------------

def m(x):
    return mpf(x)


def h_normal(s):
    return mp.log(2 * mp.pi * mp.e * s * s) / 2


def h_gamma(a, b):
    return a - mp.log(b) + mp.loggamma(a) + (1 - a) * mp.digamma(a)


def h_beta(a, b):
    return (mp.log(mp.beta(a, b)) - (a - 1) * mp.digamma(a) - (b - 1) * mp.digamma(b)
            + (a + b - 2) * mp.digamma(a + b))


def mean_log_uniform(lo, hi):
    """E log X for X ~ U(lo, hi), 0 <= lo < hi."""
    f = lambda x: x * mp.log(x) - x if x > 0 else mpf(0)
    return (f(hi) - f(lo)) / (hi - lo)


def cross_normal(mean_x, var_x, mean, sd):
    return mp.log(sd * mp.sqrt(2 * mp.pi)) + (var_x + (mean_x - mean) ** 2) / (2 * sd * sd)


def cross_gamma(mean_x, mean_log_x, k, rate):
    return mp.loggamma(k) - k * mp.log(rate) - (k - 1) * mean_log_x + rate * mean_x


def cross_gumbel(mean_x, mean_exp, mu, beta):
    """-E log q for Gumbel(mu, beta): log beta + E z + E exp(-z), z = (X - mu)/beta;
    mean_exp = E exp(-X/beta)."""
    return mp.log(beta) + (mean_x - mu) / beta + mp.exp(mu / beta) * mean_exp


INF = mp.inf

# ---- the pairs: (p family, q family, draw(rng) -> (p_spec, q_spec, thunk)) ------------------


def pair_normal_normal(rng):
    s1 = width(rng); s2 = scale_of(rng, s1); m1 = loc(rng, s1); m2 = m1 + loc(rng, s2)
    return (spec("normal", mean=num(m1), sd=num(s1)), spec("normal", mean=num(m2), sd=num(s2)),
            lambda: mp.log(m(s2) / m(s1)) + (m(s1) ** 2 + (m(m1) - m(m2)) ** 2) / (2 * m(s2) ** 2)
            - mpf(1) / 2)


def pair_lognormal(rng):
    s1 = log_uniform(rng, 1e-3, 1e2); s2 = scale_of(rng, s1)
    m1 = rng.uniform(-50, 50); m2 = m1 + loc(rng, s2)
    m2 = max(-699.0, min(699.0, m2))
    return (spec("lognormal", mu=num(m1), sigma=num(s1)),
            spec("lognormal", mu=num(m2), sigma=num(s2)),
            lambda: mp.log(m(s2) / m(s1)) + (m(s1) ** 2 + (m(m1) - m(m2)) ** 2) / (2 * m(s2) ** 2)
            - mpf(1) / 2)


def pair_exp_exp(rng):
    l1 = width(rng); l2 = scale_of(rng, l1)
    return (spec("exponential", rate=num(l1)), spec("exponential", rate=num(l2)),
            lambda: mp.log(m(l1) / m(l2)) + m(l2) / m(l1) - 1)


def kl_gamma(a1, b1, a2, b2):
    return ((a1 - a2) * mp.digamma(a1) - mp.loggamma(a1) + mp.loggamma(a2)
            + a2 * (mp.log(b1) - mp.log(b2)) + a1 * (b2 - b1) / b1)


def pair_gamma_gamma(rng):
    a1 = shape(rng); a2 = scale_of(rng, a1) if rng.random() < 0.5 else shape(rng)
    b1 = width(rng); b2 = scale_of(rng, b1)
    a2 = min(max(a2, 1e-3), 1e16)
    return (spec("gamma", shape=num(a1), rate=num(b1)), spec("gamma", shape=num(a2), rate=num(b2)),
            lambda: kl_gamma(m(a1), m(b1), m(a2), m(b2)))


def pair_gamma_exp(rng):
    a1 = shape(rng); b1 = width(rng); l = scale_of(rng, b1)
    return (spec("gamma", shape=num(a1), rate=num(b1)), spec("exponential", rate=num(l)),
            lambda: kl_gamma(m(a1), m(b1), mpf(1), m(l)))


def pair_exp_gamma(rng):
    l = width(rng); a2 = shape(rng); b2 = scale_of(rng, l)
    return (spec("exponential", rate=num(l)), spec("gamma", shape=num(a2), rate=num(b2)),
            lambda: kl_gamma(mpf(1), m(l), m(a2), m(b2)))


def pair_gamma_normal(rng):
    a = shape(rng); b = width(rng)
    mean_x = a / b; sd_x = math.sqrt(a) / b
    sd = scale_of(rng, sd_x); mean = mean_x + loc(rng, sd)
    return (spec("gamma", shape=num(a), rate=num(b)), spec("normal", mean=num(mean), sd=num(sd)),
            lambda: cross_normal(m(a) / m(b), m(a) / m(b) ** 2, m(mean), m(sd)) - h_gamma(m(a), m(b)))


def pair_exp_normal(rng):
    l = width(rng); sd = scale_of(rng, 1 / l); mean = 1 / l + loc(rng, sd)
    return (spec("exponential", rate=num(l)), spec("normal", mean=num(mean), sd=num(sd)),
            lambda: cross_normal(1 / m(l), 1 / m(l) ** 2, m(mean), m(sd)) - (1 - mp.log(m(l))))


def laplace_params(rng):
    b1 = width(rng); b2 = scale_of(rng, b1); m1 = loc(rng, b1); m2 = m1 + loc(rng, b2)
    return b1, b2, m1, m2


def pair_laplace_laplace(rng):
    b1, b2, m1, m2 = laplace_params(rng)
    def f():
        d = abs(m(m1) - m(m2))
        return mp.log(m(b2) / m(b1)) + d / m(b2) + m(b1) / m(b2) * mp.exp(-d / m(b1)) - 1
    return (spec("laplace", loc=num(m1), scale=num(b1)), spec("laplace", loc=num(m2), scale=num(b2)), f)


def pair_laplace_normal(rng):
    b, s, l, mu = laplace_params(rng)
    def f():
        return (mp.log(mp.pi * m(s) ** 2 / (2 * m(b) ** 2)) / 2 + m(b) ** 2 / m(s) ** 2
                + (m(l) - m(mu)) ** 2 / (2 * m(s) ** 2) - 1)
    return (spec("laplace", loc=num(l), scale=num(b)), spec("normal", mean=num(mu), sd=num(s)), f)


def pair_normal_laplace(rng):
    s, b, mu, l = laplace_params(rng)
    def f():
        d = m(mu) - m(l)
        e_abs = (m(s) * mp.sqrt(2 / mp.pi) * mp.exp(-d * d / (2 * m(s) ** 2))
                 + d * (1 - 2 * mp.ncdf(-d / m(s))))
        return mp.log(2 * m(b)) - h_normal(m(s)) + e_abs / m(b)
    return (spec("normal", mean=num(mu), sd=num(s)), spec("laplace", loc=num(l), scale=num(b)), f)


def pair_student_normal(rng):
    df = log_uniform(rng, 0.5, 1e8); s = width(rng)
    sd_x = s * math.sqrt(df / (df - 2)) if df > 2 else s
    sd = scale_of(rng, sd_x); l = loc(rng, s); mean = l + loc(rng, sd)
    def f():
        n = m(df)
        if n <= 2:
            return INF
        h = ((n + 1) / 2 * (mp.digamma((n + 1) / 2) - mp.digamma(n / 2))
             + mp.log(mp.sqrt(n) * mp.beta(n / 2, mpf(1) / 2)) + mp.log(m(s)))
        return cross_normal(m(l), m(s) ** 2 * n / (n - 2), m(mean), m(sd)) - h
    return (spec("student_t", df=num(df), loc=num(l), scale=num(s)),
            spec("normal", mean=num(mean), sd=num(sd)), f)


def pair_cauchy(rng):
    s1 = width(rng); s2 = scale_of(rng, s1); l1 = loc(rng, s1); l2 = l1 + loc(rng, s2)
    return (spec("cauchy", loc=num(l1), scale=num(s1)), spec("cauchy", loc=num(l2), scale=num(s2)),
            lambda: mp.log(((m(s1) + m(s2)) ** 2 + (m(l1) - m(l2)) ** 2) / (4 * m(s1) * m(s2))))


def uniform_params(rng, lo_min=None):
    w = width(rng)
    lo = loc(rng, w) if lo_min is None else lo_min + w * 10 ** rng.uniform(-3, 1)
    hi = lo + w
    return lo, hi


def pair_uniform_uniform(rng):
    lo1, hi1 = uniform_params(rng)
    if rng.random() < 0.8:
        w = (hi1 - lo1) * 10 ** rng.uniform(0, 4)
        lo2 = lo1 - w * rng.random(); hi2 = max(hi1, lo2 + w)
    else:
        lo2, hi2 = uniform_params(rng)
    def f():
        if lo1 < lo2 or hi1 > hi2:
            return INF
        return mp.log((m(hi2) - m(lo2)) / (m(hi1) - m(lo1)))
    return (spec("uniform", low=num(lo1), high=num(hi1)), spec("uniform", low=num(lo2), high=num(hi2)), f)


def unit_interval_uniform(rng):
    lo = rng.uniform(0, 0.9) if rng.random() < 0.7 else 0.0
    hi = min(1.0, lo + (1 - lo) * 10 ** rng.uniform(-8, 0))
    if hi <= lo:
        hi = 1.0
    return lo, hi


def pair_uniform_beta(rng):
    lo, hi = unit_interval_uniform(rng); a = shape(rng, 1e-3, 1e8); b = shape(rng, 1e-3, 1e8)
    def f():
        L, H = m(lo), m(hi)
        cross = (mp.log(mp.beta(m(a), m(b))) - (m(a) - 1) * mean_log_uniform(L, H)
                 - (m(b) - 1) * mean_log_uniform(1 - H, 1 - L))
        return cross - mp.log(H - L)
    return (spec("uniform", low=num(lo), high=num(hi)), spec("beta", a=num(a), b=num(b)), f)


def positive_uniform(rng):
    w = width(rng)
    lo = 0.0 if rng.random() < 0.3 else w * 10 ** rng.uniform(-3, 2)
    return lo, lo + w


def pair_uniform_exp(rng):
    lo, hi = positive_uniform(rng); rate = scale_of(rng, 1 / (hi - lo))
    def f():
        L, H = m(lo), m(hi)
        return -mp.log(m(rate)) + m(rate) * (L + H) / 2 - mp.log(H - L)
    return (spec("uniform", low=num(lo), high=num(hi)), spec("exponential", rate=num(rate)), f)


def pair_uniform_gamma(rng):
    lo, hi = positive_uniform(rng); k = shape(rng, 1e-3, 1e8); rate = scale_of(rng, k / hi)
    def f():
        L, H = m(lo), m(hi)
        return cross_gamma((L + H) / 2, mean_log_uniform(L, H), m(k), m(rate)) - mp.log(H - L)
    return (spec("uniform", low=num(lo), high=num(hi)), spec("gamma", shape=num(k), rate=num(rate)), f)


def pair_uniform_normal(rng):
    lo, hi = uniform_params(rng); sd = scale_of(rng, hi - lo); mean = (lo + hi) / 2 + loc(rng, sd)
    def f():
        L, H = m(lo), m(hi)
        return cross_normal((L + H) / 2, (H - L) ** 2 / 12, m(mean), m(sd)) - mp.log(H - L)
    return (spec("uniform", low=num(lo), high=num(hi)), spec("normal", mean=num(mean), sd=num(sd)), f)


def pair_uniform_gumbel(rng):
    lo, hi = uniform_params(rng); beta = scale_of(rng, hi - lo); mu = (lo + hi) / 2 + loc(rng, beta)
    def f():
        L, H, B = m(lo), m(hi), m(beta)
        mean_exp = B / (H - L) * (mp.exp(-L / B) - mp.exp(-H / B))
        return cross_gumbel((L + H) / 2, mean_exp, m(mu), B) - mp.log(H - L)
    return (spec("uniform", low=num(lo), high=num(hi)), spec("gumbel", loc=num(mu), scale=num(beta)), f)


def pair_uniform_pareto(rng):
    xm = width(rng); alpha = shape(rng, 1e-3, 1e4)
    lo = xm if rng.random() < 0.2 else xm * (1 + 10 ** rng.uniform(-6, 2))
    if rng.random() < 0.1:
        lo = xm * 0.5
    hi = lo + lo * 10 ** rng.uniform(-6, 3)
    def f():
        if lo < xm:
            return INF
        L, H = m(lo), m(hi)
        cross = -mp.log(m(alpha)) - m(alpha) * mp.log(m(xm)) + (m(alpha) + 1) * mean_log_uniform(L, H)
        return cross - mp.log(H - L)
    return (spec("uniform", low=num(lo), high=num(hi)), spec("pareto", scale=num(xm), shape=num(alpha)), f)


def beta_draw(rng):
    a = shape(rng)
    b = near(rng, a, 3.0) if rng.random() < 0.5 else shape(rng)
    return a, min(max(b, 1e-3), 1e16)


def pair_beta_beta(rng):
    a1, b1 = beta_draw(rng)
    if rng.random() < 0.5:
        a2, b2 = near(rng, a1, 0.5), near(rng, b1, 0.5)
    else:
        a2, b2 = beta_draw(rng)
    def f():
        A1, B1, A2, B2 = m(a1), m(b1), m(a2), m(b2)
        return (mp.log(mp.beta(A2, B2)) - mp.log(mp.beta(A1, B1)) + (A1 - A2) * mp.digamma(A1)
                + (B1 - B2) * mp.digamma(B1) + (A2 - A1 + B2 - B1) * mp.digamma(A1 + B1))
    return (spec("beta", a=num(a1), b=num(b1)), spec("beta", a=num(a2), b=num(b2)), f)


def pair_beta_uniform(rng):
    a, b = beta_draw(rng)
    lo, hi = (0.0, 1.0) if rng.random() < 0.5 else (-rng.random() * 10, 1 + rng.random() * 10)
    if rng.random() < 0.1:
        lo = 0.1
    def f():
        if lo > 0 or hi < 1:
            return INF
        return mp.log(m(hi) - m(lo)) - h_beta(m(a), m(b))
    return (spec("beta", a=num(a), b=num(b)), spec("uniform", low=num(lo), high=num(hi)), f)


def pair_beta_exp(rng):
    a, b = beta_draw(rng); rate = width(rng)
    def f():
        A, B, R = m(a), m(b), m(rate)
        return -mp.log(R) + R * A / (A + B) - h_beta(A, B)
    return (spec("beta", a=num(a), b=num(b)), spec("exponential", rate=num(rate)), f)


def pair_beta_gamma(rng):
    a, b = beta_draw(rng); k = shape(rng, 1e-3, 1e8); rate = width(rng)
    def f():
        A, B = m(a), m(b)
        return (cross_gamma(A / (A + B), mp.digamma(A) - mp.digamma(A + B), m(k), m(rate))
                - h_beta(A, B))
    return (spec("beta", a=num(a), b=num(b)), spec("gamma", shape=num(k), rate=num(rate)), f)


def pair_beta_normal(rng):
    a, b = beta_draw(rng)
    c = a + b; mean_x = a / c; sd_x = math.sqrt(a * b / (c + 1)) / c
    sd = scale_of(rng, sd_x); mean = mean_x + loc(rng, sd)
    def f():
        A, B = m(a), m(b); C = A + B
        return cross_normal(A / C, A * B / (C * C * (C + 1)), m(mean), m(sd)) - h_beta(A, B)
    return (spec("beta", a=num(a), b=num(b)), spec("normal", mean=num(mean), sd=num(sd)), f)


def gumbel_params(rng):
    b1 = width(rng); b2 = scale_of(rng, b1); m1 = loc(rng, b1); m2 = m1 + loc(rng, b2)
    return b1, b2, m1, m2


def pair_gumbel_gumbel(rng):
    b1, b2, m1, m2 = gumbel_params(rng)
    b2 = min(b2, b1 * 100)  # Gamma(1 + b1/b2) must stay finite in doubles too
    def f():
        r = m(b1) / m(b2); d = (m(m1) - m(m2)) / m(b2)
        return -mp.log(r) + d + mp.euler * (r - 1) + mp.exp(-d) * mp.gamma(1 + r) - 1
    return (spec("gumbel", loc=num(m1), scale=num(b1)), spec("gumbel", loc=num(m2), scale=num(b2)), f)


def pair_gumbel_normal(rng):
    b, s, mu, mean = gumbel_params(rng)
    def f():
        B = m(b)
        return (cross_normal(m(mu) + mp.euler * B, mp.pi ** 2 * B * B / 6, m(mean), m(s))
                - (mp.log(B) + mp.euler + 1))
    return (spec("gumbel", loc=num(mu), scale=num(b)), spec("normal", mean=num(mean), sd=num(s)), f)


def pair_exp_gumbel(rng):
    l = width(rng); beta = scale_of(rng, 1 / l); mu = 1 / l + loc(rng, beta)
    mu = max(mu, -30 * beta)  # exp(-mu/beta) stays inside double range
    def f():
        L, B = m(l), m(beta)
        return cross_gumbel(1 / L, L / (L + 1 / B), m(mu), B) - (1 - mp.log(L))
    return (spec("exponential", rate=num(l)), spec("gumbel", loc=num(mu), scale=num(beta)), f)


def pair_gamma_gumbel(rng):
    a = shape(rng, 1e-3, 1e8); b = width(rng); beta = scale_of(rng, math.sqrt(a) / b)
    mu = a / b + loc(rng, beta)
    mu = max(mu, -30 * beta)
    def f():
        A, R, B = m(a), m(b), m(beta)
        return cross_gumbel(A / R, (R / (R + 1 / B)) ** A, m(mu), B) - h_gamma(A, R)
    return (spec("gamma", shape=num(a), rate=num(b)), spec("gumbel", loc=num(mu), scale=num(beta)), f)


def pair_normal_gumbel(rng):
    s = width(rng); beta = scale_of(rng, s); beta = max(beta, s / 20); mean = loc(rng, s)
    mu = mean + loc(rng, beta)
    def f():
        S, B, M = m(s), m(beta), m(mean)
        return cross_gumbel(M, mp.exp(-M / B + S * S / (2 * B * B)), m(mu), B) - h_normal(S)
    return (spec("normal", mean=num(mean), sd=num(s)), spec("gumbel", loc=num(mu), scale=num(beta)), f)


def pair_weibull_weibull(rng):
    k1 = log_uniform(rng, 0.05, 50); k2 = near(rng, k1, 1.5); l1 = width(rng); l2 = near(rng, l1, 1.0)
    def f():
        K1, K2, L1, L2 = m(k1), m(k2), m(l1), m(l2)
        return (mp.log(K1 / L1 ** K1) - mp.log(K2 / L2 ** K2) + (K1 - K2) * (mp.log(L1) - mp.euler / K1)
                + (L1 / L2) ** K2 * mp.gamma(K2 / K1 + 1) - 1)
    return (spec("weibull", shape=num(k1), scale=num(l1)), spec("weibull", shape=num(k2), scale=num(l2)), f)


def pair_weibull_gamma(rng):
    k = log_uniform(rng, 0.05, 50); l = width(rng); a = shape(rng, 1e-3, 1e6); b = scale_of(rng, a / l)
    def f():
        K, L = m(k), m(l)
        h = mp.euler * (1 - 1 / K) + mp.log(L / K) + 1
        return cross_gamma(L * mp.gamma(1 + 1 / K), mp.log(L) - mp.euler / K, m(a), m(b)) - h
    return (spec("weibull", shape=num(k), scale=num(l)), spec("gamma", shape=num(a), rate=num(b)), f)


def pareto_entropy(xm, alpha):
    return mp.log(xm / alpha) + 1 / alpha + 1


def pair_pareto_pareto(rng):
    x1 = width(rng); x2 = x1 * 10 ** rng.uniform(-3, 0.2); a1 = shape(rng, 1e-2, 1e4); a2 = near(rng, a1, 2)
    def f():
        if x1 < x2:
            return INF
        X1, X2, A1, A2 = m(x1), m(x2), m(a1), m(a2)
        cross = -mp.log(A2) - A2 * mp.log(X2) + (A2 + 1) * (mp.log(X1) + 1 / A1)
        return cross - pareto_entropy(X1, A1)
    return (spec("pareto", scale=num(x1), shape=num(a1)), spec("pareto", scale=num(x2), shape=num(a2)), f)


def pair_pareto_exp(rng):
    xm = width(rng); alpha = shape(rng, 0.5, 1e4); rate = scale_of(rng, 1 / xm)
    def f():
        A, X = m(alpha), m(xm)
        if A <= 1:
            return INF
        return -mp.log(m(rate)) + m(rate) * A * X / (A - 1) - pareto_entropy(X, A)
    return (spec("pareto", scale=num(xm), shape=num(alpha)), spec("exponential", rate=num(rate)), f)


def pair_pareto_gamma(rng):
    xm = width(rng); alpha = shape(rng, 0.5, 1e4); k = shape(rng, 1e-3, 1e6); rate = scale_of(rng, k / xm)
    def f():
        A, X = m(alpha), m(xm)
        if A <= 1:
            return INF
        return cross_gamma(A * X / (A - 1), mp.log(X) + 1 / A, m(k), m(rate)) - pareto_entropy(X, A)
    return (spec("pareto", scale=num(xm), shape=num(alpha)), spec("gamma", shape=num(k), rate=num(rate)), f)


def pair_pareto_normal(rng):
    xm = width(rng); alpha = shape(rng, 1.0, 1e4); sd = scale_of(rng, xm); mean = xm + loc(rng, sd)
    def f():
        A, X = m(alpha), m(xm)
        if A <= 2:
            return INF
        var = X * X * A / ((A - 1) ** 2 * (A - 2))
        return cross_normal(A * X / (A - 1), var, m(mean), m(sd)) - pareto_entropy(X, A)
    return (spec("pareto", scale=num(xm), shape=num(alpha)), spec("normal", mean=num(mean), sd=num(sd)), f)


def pair_von_mises(rng):
    k1 = 0.0 if rng.random() < 0.05 else log_uniform(rng, 1e-4, 1e300)
    k2 = near(rng, k1, 1.0) if rng.random() < 0.6 else log_uniform(rng, 1e-4, 1e300)
    k2 = min(k2, 1e300)
    mu1 = rng.uniform(-math.pi, math.pi)
    mu2 = mu1 + (rng.gauss(0, 1) / math.sqrt(max(k2, 1)) if rng.random() < 0.7 else rng.uniform(-1, 1))
    mu2 = max(-math.pi, min(math.pi, mu2))
    def f():
        K1, K2 = m(k1), m(k2)
        a = mp.besseli(1, K1) / mp.besseli(0, K1)
        return (mp.log(mp.besseli(0, K2) / mp.besseli(0, K1))
                + a * (K1 - K2 * mp.cos(m(mu1) - m(mu2))))
    return (spec("von_mises", mu=num(mu1), kappa=num(k1)), spec("von_mises", mu=num(mu2), kappa=num(k2)), f)


def pair_poisson(rng):
    l1 = log_uniform(rng, 1e-6, 1e8); l2 = near(rng, l1, 1.0) if rng.random() < 0.7 else log_uniform(rng, 1e-6, 1e8)
    return (spec("poisson", rate=num(l1)), spec("poisson", rate=num(l2)),
            lambda: m(l1) * mp.log(m(l1) / m(l2)) + m(l2) - m(l1))


def kl_bernoulli(p1, p2):
    return p1 * mp.log(p1 / p2) + (1 - p1) * mp.log((1 - p1) / (1 - p2))


def pair_geometric(rng):
    p1 = prob(rng); p2 = prob(rng) if rng.random() < 0.5 else min(0.999999, near(rng, p1, 0.3))
    return (spec("geometric", p=num(p1)), spec("geometric", p=num(p2)),
            lambda: kl_bernoulli(m(p1), m(p2)) / m(p1))


def pair_binomial(rng):
    n = int(10 ** rng.uniform(0, 9)); p1 = prob(rng)
    p2 = prob(rng) if rng.random() < 0.5 else min(0.999999, near(rng, p1, 0.3))
    return (spec("binomial", n=str(n), p=num(p1)), spec("binomial", n=str(n), p=num(p2)),
            lambda: n * kl_bernoulli(m(p1), m(p2)))


def pair_negative_binomial(rng):
    r = shape(rng, 1e-3, 1e8); p1 = prob(rng)
    p2 = prob(rng) if rng.random() < 0.5 else min(0.999999, near(rng, p1, 0.3))
    return (spec("negative_binomial", r=num(r), p=num(p1)), spec("negative_binomial", r=num(r), p=num(p2)),
            lambda: m(r) * kl_bernoulli(m(p1), m(p2)) / m(p1))


def pair_binomial_poisson(rng):
    n = int(10 ** rng.uniform(0, 2.5)); p = rng.uniform(0.01, 0.99); lam = near(rng, n * p, 1.0)
    def f():
        N, P, L = n, m(p), m(lam)
        total = mpf(0)
        for k in range(N + 1):
            b = mp.binomial(N, k) * P ** k * (1 - P) ** (N - k)
            log_pois = k * mp.log(L) - L - mp.loggamma(k + 1)
            total += b * (mp.log(b) - log_pois)
        return total
    return (spec("binomial", n=str(n), p=num(p)), spec("poisson", rate=num(lam)), f)


def weights(rng, k, zeros=False):
    w = [10 ** rng.uniform(-6, 0) for _ in range(k)]
    if zeros and rng.random() < 0.3:
        w[rng.randrange(k)] = 0.0
    s = math.fsum(w)
    return [x / s for x in w]


def pair_categorical(rng):
    k = rng.randint(2, 12)
    p = weights(rng, k, zeros=True); q = weights(rng, k, zeros=rng.random() < 0.2)
    def f():
        P = [m(x) for x in p]; Q = [m(x) for x in q]
        sp, sq = mp.fsum(P), mp.fsum(Q)
        total = mpf(0)
        for a, b in zip(P, Q):
            if a == 0:
                continue
            if b == 0:
                return INF
            total += a / sp * mp.log((a / sp) / (b / sq))
        return total
    lst = lambda v: "[" + ", ".join(num(x) for x in v) + "]"
    return (spec("categorical", probs=lst(p)), spec("categorical", probs=lst(q)), f)


def spd(rng, d, s):
    a = [[rng.gauss(0, 1) * s for _ in range(d)] for _ in range(d)]
    c = [[math.fsum(a[i][k] * a[j][k] for k in range(d)) + (s * s * 0.1 if i == j else 0)
          for j in range(d)] for i in range(d)]
    for i in range(d):
        for j in range(i):
            c[i][j] = c[j][i]
    return c


def kl_mvn(m1, c1, m2, c2):
    M1, M2 = mp.matrix([m(x) for x in m1]), mp.matrix([m(x) for x in m2])
    C1 = mp.matrix([[m(x) for x in r] for r in c1]); C2 = mp.matrix([[m(x) for x in r] for r in c2])
    d = len(m1)
    inv2 = C2 ** -1
    delta = M2 - M1
    tr = sum((inv2 * C1)[i, i] for i in range(d))
    maha = (delta.T * inv2 * delta)[0, 0]
    return (tr + maha - d + mp.log(mp.det(C2)) - mp.log(mp.det(C1))) / 2


def pair_mvnormal(rng):
    d = rng.randint(1, 4); s1 = 10 ** rng.uniform(-4, 4); s2 = near(rng, s1, 1.0)
    c1 = spd(rng, d, s1); c2 = spd(rng, d, s2)
    m1 = [loc(rng, s1) for _ in range(d)]; m2 = [x + loc(rng, s2) for x in m1]
    vec = lambda v: "[" + ", ".join(num(x) for x in v) + "]"
    mat = lambda c: "[" + ", ".join(vec(r) for r in c) + "]"
    return (spec("mvnormal", mean=vec(m1), cov=mat(c1)), spec("mvnormal", mean=vec(m2), cov=mat(c2)),
            lambda: kl_mvn(m1, c1, m2, c2))


def pair_normal_mvnormal(rng):
    s1 = width(rng); s2 = scale_of(rng, s1); m1 = loc(rng, s1); m2 = m1 + loc(rng, s2)
    return (spec("normal", mean=num(m1), sd=num(s1)),
            spec("mvnormal", mean=f"[{num(m2)}]", cov=f"[[{num(s2 * s2)}]]"),
            lambda: kl_mvn([m1], [[s1 * s1]], [m2], [[s2 * s2]]))


def pair_mvnormal_normal(rng):
    s1 = width(rng); s2 = scale_of(rng, s1); m1 = loc(rng, s1); m2 = m1 + loc(rng, s2)
    return (spec("mvnormal", mean=f"[{num(m1)}]", cov=f"[[{num(s1 * s1)}]]"),
            spec("normal", mean=num(m2), sd=num(s2)),
            lambda: kl_mvn([m1], [[s1 * s1]], [m2], [[s2 * s2]]))


def pair_poisson_binomial(rng):
    lam = log_uniform(rng, 1e-6, 1e6); n = int(10 ** rng.uniform(0, 6)); p = prob(rng)
    return (spec("poisson", rate=num(lam)), spec("binomial", n=str(n), p=num(p)), lambda: INF)


def pair_half_normal(rng):
    s1 = width(rng); s2 = scale_of(rng, s1)
    return (spec("half_normal", sd=num(s1)), spec("half_normal", sd=num(s2)),
            lambda: mp.log(m(s2) / m(s1)) + m(s1) ** 2 / (2 * m(s2) ** 2) - mpf(1) / 2)


def pair_chi2_chi2(rng):
    k1 = shape(rng, 1e-3, 1e16); k2 = near(rng, k1, 1.0) if rng.random() < 0.6 else shape(rng, 1e-3, 1e16)
    return (spec("chi2", df=num(k1)), spec("chi2", df=num(k2)),
            lambda: kl_gamma(m(k1) / 2, mpf(1) / 2, m(k2) / 2, mpf(1) / 2))


def pair_chi2_gamma(rng):
    k = shape(rng, 1e-3, 1e16); a = near(rng, k / 2, 1.0); b = near(rng, 0.5, 1.0)
    return (spec("chi2", df=num(k)), spec("gamma", shape=num(a), rate=num(b)),
            lambda: kl_gamma(m(k) / 2, mpf(1) / 2, m(a), m(b)))


def pair_gamma_chi2(rng):
    a = shape(rng, 1e-3, 1e16); b = width(rng); k = near(rng, 2 * a, 1.0)
    return (spec("gamma", shape=num(a), rate=num(b)), spec("chi2", df=num(k)),
            lambda: kl_gamma(m(a), m(b), m(k) / 2, mpf(1) / 2))


def pair_inverse_gamma(rng):
    a1 = shape(rng); a2 = near(rng, a1, 1.0) if rng.random() < 0.6 else shape(rng)
    a2 = min(max(a2, 1e-3), 1e16)
    b1 = width(rng); b2 = scale_of(rng, b1)
    def f():
        # textbook form: E_P[log p - log q] with E log X = log b - psi(a), E 1/X = a/b
        A1, B1, A2, B2 = m(a1), m(b1), m(a2), m(b2)
        elog = mp.log(B1) - mp.digamma(A1)
        lp = A1 * mp.log(B1) - mp.loggamma(A1) - (A1 + 1) * elog - B1 * A1 / B1
        lq = A2 * mp.log(B2) - mp.loggamma(A2) - (A2 + 1) * elog - B2 * A1 / B1
        return lp - lq
    return (spec("inverse_gamma", shape=num(a1), scale=num(b1)),
            spec("inverse_gamma", shape=num(a2), scale=num(b2)), f)


def pair_dirichlet(rng):
    k = rng.randint(2, 6)
    base = shape(rng, 1e-3, 1e12)
    a1 = [near(rng, base, 2.0) for _ in range(k)]
    a2 = [near(rng, x, 0.5) for x in a1] if rng.random() < 0.6 else [shape(rng, 1e-3, 1e12) for _ in range(k)]
    def f():
        A1 = [m(x) for x in a1]; A2 = [m(x) for x in a2]
        s1, s2 = mp.fsum(A1), mp.fsum(A2)
        return (mp.loggamma(s1) - mp.loggamma(s2) - mp.fsum(mp.loggamma(x) for x in A1)
                + mp.fsum(mp.loggamma(x) for x in A2)
                + mp.fsum((x - y) * (mp.digamma(x) - mp.digamma(s1)) for x, y in zip(A1, A2)))
    vec = lambda v: "[" + ", ".join(num(x) for x in v) + "]"
    return (spec("dirichlet", alpha=vec(a1)), spec("dirichlet", alpha=vec(a2)), f)


def pair_uniform_box(rng):
    d = rng.randint(1, 4)
    lo1, hi1, lo2, hi2 = [], [], [], []
    for _ in range(d):
        a, b = uniform_params(rng)
        w = (b - a) * 10 ** rng.uniform(0, 3)
        c = a - w * rng.random() if rng.random() < 0.95 else a + (b - a) * 0.5
        lo1.append(a); hi1.append(b); lo2.append(c); hi2.append(max(b, c + w))
    def f():
        total = mpf(0)
        for a, b, c, e in zip(lo1, hi1, lo2, hi2):
            if a < c or b > e:
                return INF
            total += mp.log((m(e) - m(c)) / (m(b) - m(a)))
        return total
    vec = lambda v: "[" + ", ".join(num(x) for x in v) + "]"
    return (spec("uniform_box", low=vec(lo1), high=vec(hi1)), spec("uniform_box", low=vec(lo2), high=vec(hi2)), f)


PAIRS = [
    pair_normal_normal, pair_lognormal, pair_exp_exp, pair_gamma_gamma, pair_gamma_exp,
    pair_exp_gamma, pair_gamma_normal, pair_exp_normal, pair_laplace_laplace, pair_laplace_normal,
    pair_normal_laplace, pair_student_normal, pair_cauchy, pair_uniform_uniform, pair_uniform_beta,
    pair_uniform_exp, pair_uniform_gamma, pair_uniform_normal, pair_uniform_gumbel,
    pair_uniform_pareto, pair_beta_beta, pair_beta_uniform, pair_beta_exp, pair_beta_gamma,
    pair_beta_normal, pair_gumbel_gumbel, pair_gumbel_normal, pair_exp_gumbel, pair_gamma_gumbel,
    pair_normal_gumbel, pair_weibull_weibull, pair_weibull_gamma, pair_pareto_pareto,
    pair_pareto_exp, pair_pareto_gamma, pair_pareto_normal, pair_von_mises, pair_poisson,
    pair_geometric, pair_binomial, pair_negative_binomial, pair_binomial_poisson,
    pair_categorical, pair_mvnormal, pair_normal_mvnormal, pair_mvnormal_normal,
    pair_poisson_binomial, pair_uniform_box, pair_half_normal, pair_chi2_chi2, pair_chi2_gamma,
    pair_gamma_chi2, pair_inverse_gamma, pair_dirichlet,
]


def evaluate(thunk, dps):
    with mp.workdps(dps):
        return thunk()


def main():
    only = set(sys.argv[1:])
    rng = random.Random(SEED)
    out = sys.stdout
    for make in PAIRS:
        name = make.__name__
        n = CASES if make is not pair_binomial_poisson else CASES // 4
        for _ in range(n):
            p, q, thunk = make(rng)
            if only and name not in only:
                continue
            # Enough digits for cancellation among terms of size up to ~1e300 (von Mises kappa,
            # log-gamma of 1e16 shapes), then 30 more as a check.
            dps = 340 if name == "pair_von_mises" else 80
            a = evaluate(thunk, dps)
            b = evaluate(thunk, dps + 30)
            if a == INF or b == INF:
                assert a == b, (p, q, a, b)
                out.write(f"{p}\t{q}\tinf\n")
                continue
            assert abs(a - b) <= mpf(10) ** -25 * max(abs(b), mpf(10) ** -300), (p, q, a, b)
            if abs(b) > 1e300:
                continue  # beyond double range: not a case for a double-precision formula
            out.write(f"{p}\t{q}\t{mp.nstr(b, 20)}\n")


if __name__ == "__main__":
    main()
