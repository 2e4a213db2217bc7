"""Service health (gitops-engine's health_service.go): a LoadBalancer is Progressing until
it has an ingress point; every other Service is Healthy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import items, section, text
from auditor.model import Health, HealthStatus


def service_health(obj: Mapping[str, Any]) -> Health:
    if text(section(obj, "spec"), "type") != "LoadBalancer":
        return Health(HealthStatus.HEALTHY)
    return load_balancer_health(obj)


def load_balancer_health(obj: Mapping[str, Any]) -> Health:
    """Healthy once `status.loadBalancer.ingress` lists an address (Services, Ingresses)."""
    balancer = section(section(obj, "status"), "loadBalancer")
    if items(balancer, "ingress"):
        return Health(HealthStatus.HEALTHY)
    return Health(HealthStatus.PROGRESSING)
