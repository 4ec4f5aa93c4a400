"""Trains a 500-tree, depth-8 reg:squarederror model (like the shared large-500x8 fixture) for the bench."""
import sys

import numpy as np
import xgboost as xgb

rng = np.random.default_rng(5)
X = rng.normal(size=(20000, 20)).astype(np.float32)
X[rng.random(size=X.shape) < 0.02] = np.nan
y = np.nan_to_num(X[:, 0]) * np.nan_to_num(X[:, 1]) + np.sin(np.nan_to_num(X[:, 2]) * 3) + rng.normal(size=20000) * 0.3
b = xgb.train({"objective": "reg:squarederror", "max_depth": 8, "eta": 0.05, "tree_method": "hist", "seed": 5,
               "min_child_weight": 0, "nthread": 2}, xgb.DMatrix(X, label=y), num_boost_round=500)
b.save_model(sys.argv[1])
