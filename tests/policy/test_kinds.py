"""The kind pre-filter: every built-in rule declares its kinds, and skipping rules by
kind gives exactly the results of evaluating every rule on every resource."""

from __future__ import annotations

from typing import Any

from auditor.policy import RegoPolicyEngine, load_policy_set
from auditor.policy.kinds import rule_kinds

POLICIES = load_policy_set()
POD: dict[str, Any] = {
    "containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": True}}]
}
TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": POD}


def body(kind: str, api: str = "v1", **spec: Any) -> dict[str, Any]:
    meta = {"name": kind.lower(), "namespace": "production"}
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec}


RESOURCES = [
    body("Deployment", "apps/v1", replicas=1, template=TEMPLATE),
    body("StatefulSet", "apps/v1", replicas=1, template=TEMPLATE),
    body("DaemonSet", "apps/v1", template=TEMPLATE),
    body("Job", "batch/v1", template=TEMPLATE),
    body("CronJob", "batch/v1", jobTemplate={"spec": {"template": TEMPLATE}}),
    body("Pod", **POD),
    body("Rollout", "argoproj.io/v1alpha1", replicas=1, template=TEMPLATE,
         strategy={"canary": {"steps": [{"setWeight": 10}]}}),
    body("Service", selector={"app": "nothing"}, type="LoadBalancer"),
    body("Ingress", "networking.k8s.io/v1"),
    body("HorizontalPodAutoscaler", "autoscaling/v2", scaleTargetRef={"kind": "X", "name": "y"}),
    body("Application", "argoproj.io/v1alpha1", project="default",
         destination={"namespace": "production"}),
    body("AppProject", "argoproj.io/v1alpha1", sourceRepos=["*"], destinations=[{"server": "*"}]),
    body("ConfigMap"),
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}},
    {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": POD},
]  # fmt: skip


def test_every_builtin_rule_declares_its_kinds() -> None:
    scopes = POLICIES.scopes()
    for package in POLICIES.decision_packages():
        if scopes[package] == "live":  # one input per app, no kind
            continue
        for rule in POLICIES.rules_of(package):
            assert rule_kinds(POLICIES, package=package, rule=rule), f"{package}/{rule}"


def test_filtered_results_equal_unfiltered_results() -> None:
    filtered = RegoPolicyEngine(POLICIES)
    every = RegoPolicyEngine(POLICIES, kind_filter=False)
    context = {"app": {"name": "a", "environment": "production"}, "resources": RESOURCES}
    found = 0
    for scope in ("resource", "app", "cross"):
        ctx = {} if scope == "resource" else context
        fast = filtered.evaluate(scope=scope, context=ctx, resources=RESOURCES)
        slow = every.evaluate(scope=scope, context=ctx, resources=RESOURCES)
        for resource, a, b in zip(RESOURCES, fast, slow, strict=True):
            nonempty = {k: v for k, v in b.values.items() if v}
            assert {k: v for k, v in a.values.items() if v} == nonempty, resource["kind"]
            assert a.errors == b.errors
            found += len(nonempty)
    assert found >= 20  # the objects above trip rules of every package
