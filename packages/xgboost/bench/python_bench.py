"""Times Debian's python3-xgboost on the same model and data as bench/run.mjs (nthread=1).
Reports wall-clock and process CPU time (CPU time is steadier when the machine is shared)."""
import json
import sys
import time

import numpy as np
import xgboost as xgb

model_path, data_path, rows, cols, preds_out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
X = np.fromfile(data_path, dtype=np.float32).reshape(rows, cols)
b = xgb.Booster()
b.load_model(model_path)
b.set_param({"nthread": 1})


def best_of(fn, n=3):
    wall = cpu = float("inf")
    out = None
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall = min(wall, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu, out


res = {"xgboost_version": xgb.__version__}
w, c, p = best_of(lambda: b.inplace_predict(X))
res["inplace_batch"] = [w, c]
p.astype(np.float32).tofile(preds_out)
w, c, _ = best_of(lambda: b.predict(xgb.DMatrix(X, nthread=1)))
res["dmatrix_batch"] = [w, c]

single = [X[i : i + 1] for i in range(2000)]
for r in single[:200]:
    b.inplace_predict(r)


def per_call(fn, items):
    wall = cpu = float("inf")
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        for r in items:
            fn(r)
        wall = min(wall, (time.perf_counter() - t) / len(items) * 1e6)
        cpu = min(cpu, (time.process_time() - c) / len(items) * 1e6)
    return [wall, cpu]


res["inplace_single_us"] = per_call(lambda r: b.inplace_predict(r), single)
res["dmatrix_single_us"] = per_call(lambda r: b.predict(xgb.DMatrix(r, nthread=1)), single[:1000])
print(json.dumps(res))
