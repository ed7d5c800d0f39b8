#!/usr/bin/env python3
"""An independent implementation of the Wang-Kulkarni-Verdu k-NN estimator (scipy cKDTree),
compared with `klest estimate --json` on sample files written here.

    D = (d/n) sum_i log(nu_k(i) / rho_l(i)) + psi(l) - psi(k) + log(m / (n - 1))

Usage: knn_reference.py path/to/klest
Exits 0 if every case agrees to 1e-9 relative, 1 otherwise.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma


def wkv(x, y, k, l):
    n, d = x.shape
    m = y.shape[0]
    # Query l + 1 points of x: the nearest is the query point itself (no ties in these data).
    rho = cKDTree(x).query(x, k=[l + 1])[0][:, 0]
    nu = cKDTree(y).query(x, k=[k])[0][:, 0]
    terms = np.log(nu) - np.log(rho)
    return d * math.fsum(terms) / n + digamma(l) - digamma(k) + math.log(m / (n - 1))


def main():
    klest = sys.argv[1]
    rng = np.random.default_rng(20240611)
    cases = [
        # (n, m, d, k, l, writer for p, writer for q)
        (500, 400, 1, 1, 1, "csv", "npy"),
        (2000, 3000, 2, 5, 5, "npy", "npy"),
        (1500, 1000, 3, 3, 1, "csv", "csv"),
        (800, 800, 5, 2, 4, "npy", "csv"),
        (3000, 2500, 10, 1, 1, "npy", "npy"),
        (20000, 20000, 2, 4, 4, "npy", "npy"),
    ]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (n, m, d, k, l, fp, fq) in enumerate(cases):
            x = rng.standard_normal((n, d))
            y = rng.standard_normal((m, d)) * 1.3 + 0.4
            paths = []
            for name, data, fmt in (("p", x, fp), ("q", y, fq)):
                path = os.path.join(tmp, f"{name}{i}.{fmt}")
                if fmt == "npy":
                    np.save(path, data)
                else:
                    np.savetxt(path, data, delimiter=",", fmt="%.17g")
                paths.append(path)
            spec = f"knn(k={k}, l={l})"
            out = subprocess.run([klest, "estimate", "--json", "-e", spec, *paths],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                print(f"case {i}: klest failed: {out.stderr.strip()}")
                failures += 1
                continue
            got = json.loads(out.stdout)["value"]
            want = wkv(x, y, k, l)
            rel = abs(got - want) / max(abs(want), 1e-300)
            status = "ok" if rel <= 1e-9 else "MISMATCH"
            failures += status != "ok"
            print(f"{status}: n={n} m={m} d={d} {spec} ({fp}/{fq}): klest {got!r} "
                  f"scipy {want!r} relative difference {rel:.2e}")
    print(f"{len(cases) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
