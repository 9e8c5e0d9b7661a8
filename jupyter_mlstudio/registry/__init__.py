"""The model registry: model groups, immutable versions, approvals, aliases, cards."""
