#!/usr/bin/python3
"""Writes the benchmark inputs into the folder given: a 200-tree RandomForest and a 2-million float array
(pickle protocol 4, as MLflow writes them), and prints Python's own pickle.loads times as JSON."""
import json
import os
import pickle
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(0)
X = rng.rand(3000, 10)
y = (X[:, 0] + X[:, 1] > 1).astype(int)
models = {
    "random-forest-200": RandomForestClassifier(n_estimators=200, random_state=0).fit(X, y),
    "hist-gradient-boosting-100": HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(X, y),
    "float64-array-2m": rng.rand(2_000_000),
}
result = {}
for name, obj in models.items():
    path = os.path.join(out, f"{name}.pkl")
    data = pickle.dumps(obj, protocol=4)
    with open(path, "wb") as f:
        f.write(data)
    runs = []
    for _ in range(15):
        t = time.perf_counter()
        pickle.loads(data)
        runs.append(time.perf_counter() - t)
    result[name] = {"bytes": len(data), "python_ms": sorted(runs)[len(runs) // 2] * 1000}
print(json.dumps(result))
