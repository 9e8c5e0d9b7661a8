"""Experiments: named collections of runs."""

from .entities import Experiment, Page
from .store import ExperimentStore, SqlExperimentStore

__all__ = ["Experiment", "ExperimentStore", "Page", "SqlExperimentStore"]
