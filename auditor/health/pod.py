"""Pod health (gitops-engine's health_pod.go): by phase; a waiting container in an error
or back-off state is Degraded for long-running pods; pods that run to completion (restart
policy Never/OnFailure, the usual hooks) are Progressing while they run.

`argocd.argoproj.io/ignore-restart-policy: "true"` makes a pod that is not a hook assessed
as a long-running one (an operator's pod with restartPolicy Never)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import annotations_of, condition, items, number, section, text
from auditor.model import Health, HealthStatus

IGNORE_RESTART_POLICY = "argocd.argoproj.io/ignore-restart-policy"
_HOOK_ANNOTATIONS = ("argocd.argoproj.io/hook", "helm.sh/hook")


def pod_health(obj: Mapping[str, Any]) -> Health:
    spec, status = section(obj, "spec"), section(obj, "status")
    notes = annotations_of(obj)
    long_running = text(spec, "restartPolicy") in ("", "Always") or (
        IGNORE_RESTART_POLICY in notes and not any(a in notes for a in _HOOK_ANNOTATIONS)
    )
    containers = [c for c in items(status, "containerStatuses") if isinstance(c, Mapping)]
    message = text(status, "message")
    if long_running:
        failing = [_waiting_error(c) for c in containers]
        if any(m is not None for m in failing):
            return Health(HealthStatus.DEGRADED, ", ".join(m for m in failing if m is not None))
    phase = text(status, "phase")
    if phase == "Pending":
        return Health(HealthStatus.PROGRESSING, message)
    if phase == "Succeeded":
        return Health(HealthStatus.HEALTHY, message)
    if phase == "Failed":
        if message:
            return Health(HealthStatus.DEGRADED, message)
        init = [c for c in items(status, "initContainerStatuses") if isinstance(c, Mapping)]
        for ctr in init + containers:
            failed = _fail_message(ctr)
            if failed:
                return Health(HealthStatus.DEGRADED, failed)
        return Health(HealthStatus.DEGRADED, "")
    if phase == "Running":
        if not long_running:
            return Health(HealthStatus.PROGRESSING, message)
        ready = condition(status, "Ready")
        if ready is not None and text(ready, "status") == "True":
            return Health(HealthStatus.HEALTHY, message)
        if any(section(section(c, "lastState"), "terminated") for c in containers):
            return Health(HealthStatus.DEGRADED, message)
        return Health(HealthStatus.PROGRESSING, message)
    return Health(HealthStatus.UNKNOWN, message)


def _waiting_error(container: Mapping[str, Any]) -> str | None:
    waiting = section(section(container, "state"), "waiting")
    reason = text(waiting, "reason")
    if waiting and (
        reason.startswith("Err") or reason.endswith("Error") or reason.endswith("BackOff")
    ):
        return text(waiting, "message")
    return None


def _fail_message(container: Mapping[str, Any]) -> str:
    terminated = section(section(container, "state"), "terminated")
    if not terminated:
        return ""
    if text(terminated, "message"):
        return text(terminated, "message")
    if text(terminated, "reason") == "OOMKilled":
        return "OOMKilled"
    code = number(terminated, "exitCode")
    if code != 0:
        return f'container "{text(container, "name")}" failed with exit code {code}'
    return ""
