"""Endpoints as a studio resource: the record of what is deployed (``store``), and the
lifecycle around the serving process of :mod:`jupyter_mlstudio.serving` (``service``):
deploy, rolling update, delete, and coming back after a restart."""

from .entities import DeployedVariant, Endpoint, EndpointStatus

__all__ = ["DeployedVariant", "Endpoint", "EndpointStatus"]
