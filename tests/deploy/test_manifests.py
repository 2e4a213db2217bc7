"""deploy/: every overlay renders with the bundled kubectl, and what it renders is what a
hardened installation of the four processes needs (commands, probes, security context,
resources, writable volumes, config, secrets, RBAC, monitoring)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.config import load_config
from tests.helpers.deploy import DEPLOY, OVERLAYS, PROCESSES, by_kind, kustomize

COMMANDS = {
    "web": ["web", "--host", "0.0.0.0", "--port", "8080"],
    "worker": ["worker", "--queues", "audits,syncs,notifications"],
    "scheduler": ["scheduler"],
    "watcher": ["watcher"],
}
SECRET_KEYS = (
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "GITOPS_AUDITOR_GIT_TOKEN",
    "GITOPS_AUDITOR_API_TOKEN",
    "DATABASE_URL",
)


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, kustomize(DEPLOY / "overlays" / request.param)


def processes(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    deployments = by_kind(objects, "Deployment")
    return {p: deployments[f"gitops-auditor-{p}"] for p in PROCESSES}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    [only] = deployment["spec"]["template"]["spec"]["containers"]
    return only  # type: ignore[no-any-return]


def test_every_kustomization_renders() -> None:
    """The base and both overlays build; each component builds inside an overlay."""
    assert {o["kind"] for o in kustomize(DEPLOY / "base")} >= {"Deployment", "ClusterRole"}
    for path in sorted(DEPLOY.rglob("kustomization.yaml")):
        if yaml.safe_load(path.read_text())["kind"] == "Kustomization":
            assert kustomize(path.parent), path


def test_processes_run_the_cli_commands(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    _, objects = overlay
    for name, deployment in processes(objects).items():
        c = container(deployment)
        assert c["args"] == COMMANDS[name], name
        assert c["image"] == "registry.example.com/platform/gitops-auditor:0.1.0"
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/component"] == name
        assert "app.kubernetes.io/instance" not in labels  # Argo CD's tracking label


def test_pods_are_hardened(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    _, objects = overlay
    for deployment in by_kind(objects, "Deployment").values():
        pod = deployment["spec"]["template"]["spec"]
        name = deployment["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] > 0, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for c in pod["containers"]:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, name
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            assert set(c["resources"]["requests"]) == {"cpu", "memory"}, name
            assert set(c["resources"]["limits"]) == {"cpu", "memory"}, name
            assert c.get("livenessProbe") and c.get("readinessProbe"), name


def test_writable_tmp_and_cache_are_empty_dirs(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    _, objects = overlay
    for name, deployment in processes(objects).items():
        pod = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in container(deployment)["volumeMounts"]}
        env = {e["name"]: e.get("value") for e in container(deployment)["env"]}
        assert "emptyDir" in volumes[mounts["/tmp"]], name
        cache = env["GITOPS_AUDITOR_CACHE_DIR"]
        assert "emptyDir" in volumes[mounts[cache]], name
        assert env["HOME"] == "/tmp"
        config = Path(env["GITOPS_AUDITOR_CONFIG"])
        assert volumes[mounts[str(config.parent)]]["configMap"]["name"].startswith(
            "gitops-auditor-config"
        )


def test_web_probes_and_metrics_port(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    _, objects = overlay
    web = container(processes(objects)["web"])
    assert web["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert web["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    [monitor] = by_kind(objects, "ServiceMonitor").values()
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert monitor["spec"]["endpoints"][0]["port"] == "http"
    service = by_kind(objects, "Service")["gitops-auditor-web"]
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    paths = {
        p["path"]
        for rule in by_kind(objects, "Ingress")["gitops-auditor"]["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert "/slack" in paths and not {"/", "/metrics"} & paths  # metrics stay inside


def test_secrets_come_from_the_secret_and_config_from_the_config_map(
    overlay: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    name, objects = overlay
    for deployment in processes(objects).values():
        c = container(deployment)
        assert c["envFrom"] == [{"secretRef": {"name": "gitops-auditor"}}]
        assert not any(k in SECRET_KEYS for k in (e["name"] for e in c["env"]))
    [config_map] = [
        o for o in objects if o["kind"] == "ConfigMap" and "gitops-auditor.yaml" in o["data"]
    ]
    text = config_map["data"]["gitops-auditor.yaml"]
    assert not any(k.lower() in text.lower() for k in ("token", "password", "secret:"))
    file = tmp_path / "gitops-auditor.yaml"
    file.write_text(text)
    config = load_config(file, env={})  # valid for the current config schema
    assert config.cache_dir == "/var/cache/gitops-auditor" and config.log.format == "json"
    if name == "multi-cluster":
        assert {c.name for c in config.clusters} == {"production", "staging"}
        mounts = [m["mountPath"] for m in container(processes(objects)["worker"])["volumeMounts"]]
        assert all(Path(c.kubeconfig).parent.as_posix() in mounts for c in config.clusters)


def test_redis_is_a_component_or_an_external_url() -> None:
    single = kustomize(DEPLOY / "overlays" / "single-cluster")
    multi = kustomize(DEPLOY / "overlays" / "multi-cluster")
    assert "gitops-auditor-redis" in by_kind(single, "Deployment")
    assert "gitops-auditor-redis" not in by_kind(multi, "Deployment")
    for name, deployment in processes(single).items():
        env = {e["name"]: e.get("value") for e in container(deployment)["env"]}
        assert env["REDIS_URL"] == "redis://gitops-auditor-redis:6379/0", name
    for deployment in processes(multi).values():
        assert "REDIS_URL" not in {e["name"] for e in container(deployment)["env"]}


def test_rbac_reads_everything_and_writes_only_with_the_heal_component(tmp_path: Path) -> None:
    objects = kustomize(DEPLOY / "overlays" / "single-cluster")
    roles = by_kind(objects, "ClusterRole")
    assert set(roles) == {"gitops-auditor-read"}
    verbs = {v for rule in roles["gitops-auditor-read"]["rules"] for v in rule["verbs"]}
    assert verbs == {"get", "list", "watch"}
    [binding] = by_kind(objects, "ClusterRoleBinding").values()
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "gitops-auditor", "namespace": "gitops-auditor"}
    ]
    tree = tmp_path / "deploy"
    shutil.copytree(DEPLOY, tree)
    overlay = tree / "overlays" / "with-heal"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        "resources: [../single-cluster]\ncomponents: [../../components/heal]\n"
    )
    healing = by_kind(kustomize(overlay), "ClusterRole")
    assert {"patch", "delete"} <= set(healing["gitops-auditor-heal"]["rules"][0]["verbs"])


def test_network_policy_admits_only_web_and_redis_clients(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objects = overlay
    policies = by_kind(objects, "NetworkPolicy")
    deny = policies["gitops-auditor-default-deny-ingress"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}
    web = policies["gitops-auditor-web"]["spec"]
    assert web["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}]}]
