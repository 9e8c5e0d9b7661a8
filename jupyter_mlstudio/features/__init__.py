"""The Feature Store: feature groups (catalog), an offline history in Parquet read through
DuckDB, an online latest-value store and point-in-time-correct training sets.

The service (:class:`jupyter_mlstudio.features.service.FeatureStore`) is the one API the
SDK, the REST handlers and the endpoints call.
"""
