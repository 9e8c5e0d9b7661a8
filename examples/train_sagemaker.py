"""A SageMaker-style training script: runs unchanged on SageMaker or as an ML Studio job."""

import argparse
import os

import joblib
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import train_test_split

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    args = parser.parse_args()

    frame = pd.concat(
        pd.read_csv(os.path.join(args.train, name)) for name in sorted(os.listdir(args.train))
    )
    X, y = frame.drop(columns=["target"]), frame["target"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    model = GradientBoostingClassifier(
        n_estimators=args.n_estimators, learning_rate=args.learning_rate, random_state=0
    )
    model.fit(X_train, y_train)
    print(f"test_accuracy={model.score(X_test, y_test):.4f}")
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
