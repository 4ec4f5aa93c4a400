#!/usr/bin/python3
"""Train an XGBoost classifier in Python and write it as an MLflow model directory.

Run with Debian's interpreter (python3-xgboost 1.7, python3-sklearn, python3-pandas):

    /usr/bin/python3 apps/examples/python-to-node/train.py

The directory is what `mlflow.xgboost.save_model(XGBClassifier, path, input_example=df)` writes with MLflow
2.17 (this machine has no MLflow package, so the script writes the same files itself): MLmodel with the
`xgboost` flavor and `python_function` (loader_module mlflow.xgboost), the model in XGBoost's JSON format,
the signature inferred from the input example, and the env files.
"""
import json
import os
import shutil
import uuid
from datetime import datetime

import pandas as pd
import xgboost as xgb
from sklearn.datasets import load_breast_cancer

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "model")

data = load_breast_cancer()
# Four readable features keep the example request short.
features = ["mean_radius", "mean_texture", "mean_smoothness", "worst_concavity"]
source_cols = ["mean radius", "mean texture", "mean smoothness", "worst concavity"]
X = pd.DataFrame(data.data, columns=data.feature_names)[source_cols]
X.columns = features
y = data.target

model = xgb.XGBClassifier(n_estimators=40, max_depth=3, learning_rate=0.2, random_state=7)
model.fit(X, y)

if os.path.exists(OUT):
    shutil.rmtree(OUT)
os.makedirs(OUT)
model.save_model(os.path.join(OUT, "model.json"))

example = X.iloc[[0, 19, 20, 21]]  # two malignant, two benign
inputs = [{"type": "double", "name": f, "required": True} for f in features]
outputs = [{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]
mlmodel = f"""flavors:
  python_function:
    data: model.json
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.xgboost
    python_version: 3.11.2
  xgboost:
    code: null
    data: model.json
    model_class: xgboost.sklearn.XGBClassifier
    model_format: json
    xgb_version: {xgb.__version__}
mlflow_version: 2.17.2
model_size_bytes: {os.path.getsize(os.path.join(OUT, "model.json"))}
model_uuid: {uuid.uuid4().hex}
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  serving_input_path: serving_input_example.json
  type: dataframe
signature:
  inputs: '{json.dumps(inputs)}'
  outputs: '{json.dumps(outputs)}'
  params: null
utc_time_created: '{datetime.utcnow()}'
"""
with open(os.path.join(OUT, "MLmodel"), "w") as f:
    f.write(mlmodel)
with open(os.path.join(OUT, "input_example.json"), "w") as f:
    json.dump({"columns": features, "data": example.values.tolist()}, f)
with open(os.path.join(OUT, "serving_input_example.json"), "w") as f:
    json.dump({"dataframe_split": {"columns": features, "data": example.values.tolist()}}, f, indent=2)
with open(os.path.join(OUT, "requirements.txt"), "w") as f:
    f.write(f"mlflow==2.17.2\nxgboost=={xgb.__version__}\n")
with open(os.path.join(OUT, "python_env.yaml"), "w") as f:
    f.write("python: 3.11.2\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n- -r requirements.txt\n")
with open(os.path.join(OUT, "conda.yaml"), "w") as f:
    f.write(
        "channels:\n- conda-forge\ndependencies:\n- python=3.11.2\n- pip\n- pip:\n"
        f"  - mlflow==2.17.2\n  - xgboost=={xgb.__version__}\nname: mlflow-env\n"
    )

# What XGBoost itself predicts for the example rows, so the Node side can be checked against it.
expected = {"input": {"columns": features, "data": example.values.tolist()}, "predictions": model.predict(example).tolist()}
with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=2)
# Every row of the data set with XGBoost's label: a larger parity check for the Node side.
everything = {"columns": features, "data": X.values.tolist(), "predictions": model.predict(X).tolist()}
with open(os.path.join(HERE, "all-rows.json"), "w") as f:
    json.dump(everything, f)
print(f"wrote {OUT}")
