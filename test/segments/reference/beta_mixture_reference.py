# Reference values for src/segments/beta-mixture.ts, computed outside the project code:
#   N(k, a, b, s) = E[(1 - (1+p s)^(-k)) / p],  p ~ Beta(a, b)
#                 = (a+b-1)/(a-1) * (1 - (1+s)^(-k) * 2F1(k, b; a+b-1; s/(1+s)))
# with python3 + mpmath at 40 significant digits, by two independent methods:
#   1. the Beta integral by mpmath.quad in the log-odds of p (breakpoints around the mode and at p = 1/s),
#      normalised with mpmath.beta;
#   2. the 2F1 power series summed term by term (all terms positive when a+b-1 > 0), to 1e-35.
# A grid point is kept only when both methods agree to 1e-20 (method 2 only runs where it converges in
# 400,000 terms; otherwise method 1 is checked against itself at 40 and 60 digits).
# (mpmath.hyp2f1 itself is NOT used: it returns wrong values for large parameters, e.g.
#  hyp2f1(0.25, 2400, 3199, 0.922) = -4.6e7 instead of 1.342.)
# Run: python3 test/segments/reference/beta_mixture_reference.py > values.json
import json, random, sys
from mpmath import mp, mpf, quad, beta, log, exp, sqrt, expm1, log1p, nstr

def n_quad(k, a, b, s, dps):
    mp.dps = dps
    k, a, b, s = mpf(k), mpf(a), mpf(b), mpf(s)
    B = beta(a, b)
    def f(y):
        p = 1 / (1 + exp(-y)); q = 1 / (1 + exp(y))
        w = exp(a * log(p) + b * log(q)) / B  # density in y: p^a q^b / B
        return w * (-expm1(-k * log1p(p * s)) / p)
    mode = log(a / b); sig = sqrt(1 / a + 1 / b)
    pts = [mode + m * sig for m in (-200, -60, -20, -6, -2, 0, 2, 6, 20, 60, 200)] + [-log(s)]
    pts += [mode - m / a for m in (1, 10, 100)] + [mode + m / b for m in (1, 10, 100)]
    return quad(f, [mp.ninf] + sorted(set(pts)) + [mp.inf], maxdegree=10)

def n_series(k, a, b, s):
    mp.dps = 50
    k, a, b, s = mpf(k), mpf(a), mpf(b), mpf(s)
    c = a + b - 1
    if c <= 0: return None
    z = s / (1 + s); t = mpf(1); S = mpf(1)
    for n in range(400000):
        t *= (k + n) * (b + n) * z / ((c + n) * (n + 1)); S += t
        ratio = (k + n + 1) * (b + n + 1) * z / ((c + n + 1) * (n + 2))
        rho = max(ratio, z)
        if n > 5 and ratio < 1 and t * rho / (1 - rho) < mpf(10) ** -35 * S:
            return (c / (a - 1)) * (1 - (1 + s) ** (-k) * S)
    return None

random.seed(20251202)
K = ['0.01', '0.25', '1.3', '20.24', '300.7']
A = ['1e-4', '0.05', '0.793', '0.9999999', '1.0000004', '1.7', '40', '800', '770000']
Bs = ['1.8e-9', '0.02', '2.426', '9.4', '2400', '1e6']
S = ['1e-4', '0.3', '11.82', '500', '1e5']
grid = [(k, a, b, s) for k in K for a in A for b in Bs for s in S]
picked = random.sample(grid, 160)
# The case (r = 0.25, alpha = 4.4 weeks, a = 800, b = 3a, t = 52 weeks, T = 0 and 39, x = 0 and 3).
for T in ('0', '39'):
    s = str(mpf(52) / (mpf('4.4') + mpf(T)))
    picked += [('0.25', '800', '2400', s), ('3.25', '800', '2403', s)]
out = []
for (k, a, b, s) in picked:
    q1 = n_quad(k, a, b, s, 40)
    ser = n_series(k, a, b, s) if mpf(s) < 1000 else None
    if ser is not None:
        mp.dps = 40
        if abs(q1 - ser) > mpf(10) ** -20 * abs(ser):
            print('disagree', k, a, b, s, q1, ser, file=sys.stderr); continue
        method = 'quad+series'
    else:
        q2 = n_quad(k, a, b, s, 60)
        mp.dps = 40
        if abs(q1 - q2) > mpf(10) ** -20 * abs(q2):
            print('disagree', k, a, b, s, q1, q2, file=sys.stderr); continue
        method = 'quad@40+quad@60'
    out.append({'k': k, 'a': a, 'b': b, 's': nstr(mpf(s), 25), 'n': nstr(q1, 25), 'method': method})
    print(len(out), k, a, b, s, nstr(q1, 12), method, file=sys.stderr)
print(json.dumps(out, indent=0))
