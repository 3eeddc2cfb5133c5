#!/usr/bin/python3
"""The pandas contender of the model-scoring benchmark (bench/cmd/predict-compare).

Scores every row of an iris-like CSV with a random forest:

    train RandomForestClassifier(n_estimators=100, random_state=0) on
    scikit-learn's bundled iris data (load_iris, offline) →
    pd.read_csv(chunksize=65536) → model.predict → to_csv, header once

Training is part of the timed run (about 0.2 s); its own time is printed
on stdout as `train_seconds S` so that the harness can report it apart.
predict runs with scikit-learn's default n_jobs (one thread).

Usage: /usr/bin/python3 bench/pandas/predict.py INPUT.csv OUT

OUT ending in .csv is the output file; anything else is a directory
(created if needed) that receives part-00000.csv. The input's header must
be sepal_length,sepal_width,petal_length,petal_width,label; the output has
the same columns plus prediction. Needs Debian's python3-pandas and
python3-sklearn (bash bench/setup.sh installs them).
"""

import os
import sys
import time

import pandas as pd
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
COLUMNS = FEATURES + ["label"]
CHUNK_ROWS = 65536


def main(argv):
    if len(argv) != 3:
        print("usage: predict.py INPUT.csv OUT", file=sys.stderr)
        return 2
    src, out = argv[1], argv[2]

    start = time.perf_counter()
    iris = load_iris()
    model = RandomForestClassifier(n_estimators=100, random_state=0)
    model.fit(iris.data, iris.target)
    train_seconds = time.perf_counter() - start

    path = out
    if not out.endswith(".csv"):
        os.makedirs(out, exist_ok=True)
        path = os.path.join(out, "part-00000.csv")
    with open(path, "w", newline="") as f:
        header = True
        for chunk in pd.read_csv(src, chunksize=CHUNK_ROWS):
            if list(chunk.columns) != COLUMNS:
                print(f"predict.py: input columns are {list(chunk.columns)}, want {COLUMNS}", file=sys.stderr)
                return 1
            # A plain array, as the model was fitted on one (no feature names).
            chunk["prediction"] = model.predict(chunk[FEATURES].to_numpy())
            chunk.to_csv(f, header=header, index=False)
            header = False
    print(f"train_seconds {train_seconds:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
