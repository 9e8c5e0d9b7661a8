"""The metadata database: engine, session scope, schema migrations.

Every component keeps its rows in the one database opened here; each component's
store contract lives with the component (``experiments/store.py`` …).
"""

from .db import Database, head_revision
from .orm import Base

__all__ = ["Base", "Database", "head_revision"]
