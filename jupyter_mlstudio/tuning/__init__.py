"""Automatic model tuning: optuna studies whose trials are training jobs."""
