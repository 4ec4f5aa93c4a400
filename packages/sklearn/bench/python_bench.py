"""Baseline for bench/run.mjs, with Debian's python3-sklearn, in the same run as the Node measurements.

  python_bench.py make <work> <rows>     train the batch models (RandomForest, HistGradientBoosting), write X
  python_bench.py time <work> <rows> <fixtures> <n_jobs>
                                         time single-row pipeline.predict(df) and the batch predict_proba
Threads: the parent sets OMP_NUM_THREADS (HistGradientBoosting); n_jobs sets the forest's joblib threads.
"""
import json
import os
import pickle
import sys
import time

import numpy as np
import pandas as pd

mode, work, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
COLS = 10


def data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, COLS))
    y = ((X[:, 0] + X[:, 1] * X[:, 2] - X[:, 3] ** 2 + rng.normal(scale=0.5, size=n)) > 0).astype(np.int64)
    return X, y


if mode == "make":
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    X, y = data(20_000, 1)
    rf = RandomForestClassifier(n_estimators=100, max_depth=12, random_state=0).fit(X, y)
    hgb = HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(X, y)
    for name, m in (("rf", rf), ("hgb", hgb)):
        with open(os.path.join(work, f"{name}.pkl"), "wb") as f:
            pickle.dump(m, f, protocol=4)
    Xb, _ = data(rows, 2)
    Xb.astype(np.float64).tofile(os.path.join(work, "X.f64"))
    sys.exit(0)

fixtures, n_jobs = sys.argv[4], int(sys.argv[5])


def best_of(fn, n=3):
    wall = cpu = float("inf")
    out = None
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall = min(wall, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu, out


res = {}
for case in ("titanic-random-forest", "titanic-logreg"):
    d = os.path.join(fixtures, case)
    with open(os.path.join(d, "model", "model.pkl"), "rb") as f:
        pipe = pickle.load(f)
    inp = json.load(open(os.path.join(d, "input.json")))
    df = pd.DataFrame(inp["data"], columns=inp["columns"]).astype(inp["dtypes"])
    one = df.iloc[:1]
    for _ in range(20):
        pipe.predict(one)
    n = 300
    t = time.perf_counter()
    for _ in range(n):
        pipe.predict(one)
    res[f"{case}_single_ms"] = (time.perf_counter() - t) / n * 1000

X = np.fromfile(os.path.join(work, "X.f64"), dtype=np.float64).reshape(rows, COLS)
for name in ("rf", "hgb"):
    with open(os.path.join(work, f"{name}.pkl"), "rb") as f:
        m = pickle.load(f)
    if name == "rf":
        m.n_jobs = n_jobs
    w, c, p = best_of(lambda: m.predict_proba(X))
    res[f"{name}_batch"] = [w, c]
    p.astype(np.float64).tofile(os.path.join(work, f"{name}-py.f64"))
print(json.dumps(res))
