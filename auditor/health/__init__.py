"""Argo CD's health assessment (gitops-engine's `pkg/health`), one module per kind.

`resource_health` assesses one live object, `app_health` aggregates an app's resources.
Pure: called by the audit flow (every resource and app gets a health) and by sync (hooks
complete when their health is Healthy or Degraded; waves wait for health).
"""

from auditor.health.assess import (
    CHECKS,
    ORDER,
    app_health,
    has_health_check,
    is_worse,
    resource_health,
)

__all__ = ["CHECKS", "ORDER", "app_health", "has_health_check", "is_worse", "resource_health"]
