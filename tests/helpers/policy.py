"""Builders for policy report tests: a violation of a known resource and rule."""

from __future__ import annotations

from auditor.model import ResourceKey, SourceLocation, Violation

KEY = ResourceKey(group="apps", kind="Deployment", namespace="dev", name="web")


def violation(
    policy: str, severity: str, *, waived: bool = False, app: str = "web-dev"
) -> Violation:
    return Violation(
        policy=policy,
        severity=severity,
        message=f"{policy}: bad, really: 100%",
        resource=KEY,
        app=app,
        source=SourceLocation(path="apps/web/deployment.yaml", line=7),
        waived=waived,
        waiver_reason="ticket 1" if waived else "",
    )
