"""What a column's name alone says about it: shared by the built-in algorithms (which drop
identifiers) and the Data Wrangler's insights report (which flags them)."""

from __future__ import annotations

import re

#: customer_id, id, uuid, key, index, "Unnamed: 0" (a saved pandas index)
ID_NAME = re.compile(r"(^|[_\s.-])(id|uuid|guid|key)$|^(index|unnamed: ?\d+)$", re.IGNORECASE)
#: customerId, userID
CAMEL_ID = re.compile(r"[a-z0-9](Id|ID)$")
