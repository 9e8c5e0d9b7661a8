"""JumpStart: a catalog of ready solutions and pre-built models (``docs/jumpstart.md``).

Entries are folders with a ``manifest.yaml`` (``manifest.py``), found in the built-in
catalog and in configured private catalogs (``entries.py``). No server imports here.
"""

from __future__ import annotations
