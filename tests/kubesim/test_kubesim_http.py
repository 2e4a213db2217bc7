"""HTTP-level contract: aggregated discovery content type, OpenAPI v2/v3 negotiation (a
protobuf-only Accept gets 406), Table output, and `kubectl get -w` streaming."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from auditor.kubesim.testing import RunningSim, kubectl_binary


def fetch(sim: RunningSim, path: str, accept: str = "application/json") -> tuple[int, str, Any]:
    req = urllib.request.Request(sim.url + path, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers["Content-Type"], json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], json.loads(exc.read())


def test_aggregated_discovery(sim: RunningSim) -> None:
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    code, ctype, body = fetch(sim, "/apis", accept)
    assert code == 200 and "as=APIGroupDiscoveryList" in ctype
    apps = next(i for i in body["items"] if i["metadata"]["name"] == "apps")
    deploy = next(r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments")
    assert deploy["scope"] == "Namespaced" and "patch" in deploy["verbs"]
    assert {s["subresource"] for s in deploy["subresources"]} == {"status", "scale"}
    code, _, legacy = fetch(sim, "/apis")
    assert legacy["kind"] == "APIGroupList"


def test_openapi_negotiation(sim: RunningSim) -> None:
    code, _, body = fetch(
        sim, "/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    )
    assert code == 406 and body["kind"] == "Status"
    code, _, swagger = fetch(sim, "/openapi/v2")
    assert code == 200 and "io.k8s.api.apps.v1.Deployment" in swagger["definitions"]
    _, _, index = fetch(sim, "/openapi/v3")
    url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
    _, _, doc = fetch(sim, url)
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert "application/strategic-merge-patch+json" in patch["requestBody"]["content"]
    assert {p["name"] for p in patch["parameters"]} >= {"fieldValidation", "dryRun", "fieldManager"}
    containers = doc["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]["properties"][
        "containers"
    ]
    assert containers["x-kubernetes-patch-merge-key"] == "name"


def test_table_and_version(sim: RunningSim) -> None:
    _, _, version = fetch(sim, "/version")
    assert version["gitVersion"] == "v1.37.0-kubesim"
    code, _, table = fetch(
        sim, "/api/v1/namespaces", "application/json;as=Table;v=v1;g=meta.k8s.io"
    )
    assert code == 200 and table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Status", "Age"]
    assert ["default", "Active"] == table["rows"][0]["cells"][:2]


@pytest.mark.kubectl
def test_kubectl_get_watch(sim: RunningSim) -> None:
    cmd = [kubectl_binary(), "--kubeconfig", str(sim.kubeconfig), "get", "cm", "-w", "-o", "name"]
    proc = subprocess.Popen(
        [*cmd, "--request-timeout=3s"], stdout=subprocess.PIPE, text=True, env=sim.kubectl_env()
    )
    time.sleep(1.0)
    sim.kubectl("create", "configmap", "watched-by-kubectl", "--from-literal=a=b")
    out, _ = proc.communicate(timeout=20)
    assert "configmap/kube-root-ca.crt" in out
    assert "configmap/watched-by-kubectl" in out
