"""Ingress health (gitops-engine's health_ingress.go): Healthy once the controller has
published an address in `status.loadBalancer.ingress`, Progressing until then."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.service import load_balancer_health
from auditor.model import Health


def ingress_health(obj: Mapping[str, Any]) -> Health:
    return load_balancer_health(obj)
