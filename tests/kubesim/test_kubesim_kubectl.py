"""The real kubectl against kubesim: create, client-side apply, get, selectors, scale,
set image, label, annotate, the three patch types, edit, diff, delete, dry-run, explain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.kubesim.testing import RunningSim
from tests.helpers import ARGOCD_DIFF
from tests.helpers import KUBESIM_DATA as DATA

pytestmark = pytest.mark.kubectl


def get(sim: RunningSim, *args: str) -> Any:
    return json.loads(sim.kubectl("get", *args, "-o", "json", "--show-managed-fields").stdout)


def managers(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["manager"]: e for e in obj["metadata"].get("managedFields", [])}


def write(tmp_path: Path, name: str, obj: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(obj))
    return str(path)


def deployment(name: str, *, replicas: int = 2, image: str = "nginx:1.25") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }


def test_create_namespace_and_get(sim: RunningSim) -> None:
    out = sim.kubectl("create", "namespace", "team-a").stdout
    assert "namespace/team-a created" in out
    ns = get(sim, "namespace", "team-a")
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    assert ns["status"]["phase"] == "Active"
    # kubectl create sends protobuf; a second create is a real AlreadyExists.
    again = sim.kubectl("create", "namespace", "team-a", check=False)
    assert again.returncode == 1
    assert 'namespaces "team-a" already exists' in again.stderr
    table = sim.kubectl("get", "namespaces").stdout
    assert table.split("\n")[0].split() == ["NAME", "STATUS", "AGE"]
    assert "kube-system" in table and "team-a" in table


def test_client_side_apply_then_change(sim: RunningSim, tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", deployment("csa", replicas=2))
    assert "deployment.apps/csa created" in sim.kubectl("apply", "-f", path).stdout
    live = get(sim, "deployment", "csa")
    last = json.loads(
        live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    )
    assert last["spec"]["replicas"] == 2
    entry = managers(live)["kubectl-client-side-apply"]
    assert entry["operation"] == "Update"
    assert "f:replicas" in entry["fieldsV1"]["f:spec"]
    changed = deployment("csa", replicas=3, image="nginx:1.26")
    changed["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox"})
    assert "configured" in sim.kubectl("apply", "-f", write(tmp_path, "d.yaml", changed)).stdout
    live = get(sim, "deployment", "csa")
    assert live["spec"]["replicas"] == 3
    containers = live["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["main", "side"]
    assert containers[0]["image"] == "nginx:1.26"
    assert containers[1]["imagePullPolicy"] == "Always"
    assert live["metadata"]["generation"] == 2
    assert "unchanged" in sim.kubectl("apply", "-f", write(tmp_path, "d.yaml", changed)).stdout


def test_defaults_match_a_real_cluster(sim: RunningSim) -> None:
    config = ARGOCD_DIFF / "smd-deploy-config.yaml"
    sim.kubectl("apply", "-f", str(config))
    live = get(sim, "deployment", "nginx-deployment")
    real = yaml.safe_load((ARGOCD_DIFF / "smd-deploy-live.yaml").read_text())
    real["spec"]["template"]["metadata"].pop("creationTimestamp")  # pre-1.34 serialisation
    assert live["spec"] == real["spec"]
    assert live["status"]["replicas"] == real["status"]["replicas"]
    assert live["status"]["readyReplicas"] == 2
    status_entry = managers(live)["kube-controller-manager"]
    assert status_entry["subresource"] == "status"
    assert (
        status_entry["fieldsV1"]["f:status"]["f:conditions"]
        == real["metadata"]["managedFields"][1]["fieldsV1"]["f:status"]["f:conditions"]
    )


def test_service_defaults(sim: RunningSim, tmp_path: Path) -> None:
    base = ARGOCD_DIFF
    config = yaml.safe_load((base / "smd-service-config.yaml").read_text())
    config["spec"]["ports"][1]["targetPort"] = 1935  # the live capture has 1935 (a drift case)
    sim.kubectl("apply", "-f", write(tmp_path, "svc.yaml", config))
    live = get(sim, "service", config["metadata"]["name"])
    real = yaml.safe_load((base / "smd-service-live.yaml").read_text())
    ip = live["spec"]["clusterIP"]
    assert ip.startswith("10.") and ip != real["spec"]["clusterIP"]
    real["spec"]["clusterIP"] = ip
    real["spec"]["clusterIPs"] = [ip]
    live["spec"].pop("internalTrafficPolicy")  # added by servers newer than the capture
    assert live["spec"] == real["spec"]
    assert live["status"] == real["status"]


def test_label_selector_get(sim: RunningSim, tmp_path: Path) -> None:
    for name, tier in (("sel-a", "front"), ("sel-b", "back"), ("sel-c", "front")):
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "labels": {"tier": tier, "sel": "yes"}},
        }
        sim.kubectl("apply", "-f", write(tmp_path, f"{name}.yaml", body))
    names = sim.kubectl("get", "cm", "-l", "tier=front", "-o", "name").stdout.split()
    assert names == ["configmap/sel-a", "configmap/sel-c"]
    names = sim.kubectl("get", "cm", "-l", "sel,tier notin (front)", "-o", "name").stdout.split()
    assert names == ["configmap/sel-b"]
    names = sim.kubectl(
        "get", "cm", "--field-selector", "metadata.name=sel-b", "-o", "name"
    ).stdout.split()
    assert names == ["configmap/sel-b"]


def test_imperative_commands_record_their_managers(sim: RunningSim, tmp_path: Path) -> None:
    sim.kubectl("apply", "-f", write(tmp_path, "d.yaml", deployment("imp")))
    sim.kubectl("scale", "deployment", "imp", "--replicas=5")
    sim.kubectl("set", "image", "deployment/imp", "main=nginx:1.27")
    sim.kubectl("label", "deployment", "imp", "tier=web")
    sim.kubectl("annotate", "deployment", "imp", "note=hello")
    live = get(sim, "deployment", "imp")
    assert live["spec"]["replicas"] == 5 and live["status"]["replicas"] == 5
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert live["metadata"]["labels"]["tier"] == "web"
    assert live["metadata"]["annotations"]["note"] == "hello"
    m = managers(live)
    # kubectl scale sends no fieldManager: the server names it after the user agent.
    assert m["kubectl"]["subresource"] == "scale"
    assert m["kubectl"]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in m["kubectl-client-side-apply"]["fieldsV1"]["f:spec"]
    image_fields = m["kubectl-set"]["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert image_fields == {'k:{"name":"main"}': {"f:image": {}}}
    assert m["kubectl-label"]["fieldsV1"] == {"f:metadata": {"f:labels": {"f:tier": {}}}}
    assert m["kubectl-annotate"]["fieldsV1"] == {"f:metadata": {"f:annotations": {"f:note": {}}}}
    assert all(e["operation"] == "Update" for e in m.values())


def test_patch_types(sim: RunningSim, tmp_path: Path) -> None:
    sim.kubectl("apply", "-f", write(tmp_path, "d.yaml", deployment("pt")))
    sim.kubectl("patch", "deployment", "pt", "--type", "merge", "-p", '{"spec":{"replicas":4}}')
    assert get(sim, "deployment", "pt")["spec"]["replicas"] == 4
    ops = json.dumps(
        [
            {"op": "replace", "path": "/spec/replicas", "value": 1},
            {"op": "add", "path": "/metadata/labels/x", "value": "y"},
        ]
    )
    sim.kubectl("patch", "deployment", "pt", "--type", "json", "-p", ops)
    live = get(sim, "deployment", "pt")
    assert live["spec"]["replicas"] == 1 and live["metadata"]["labels"]["x"] == "y"
    smp = {"spec": {"template": {"spec": {"containers": [{"name": "extra", "image": "redis:7"}]}}}}
    sim.kubectl("patch", "deployment", "pt", "--type", "strategic", "-p", json.dumps(smp))
    containers = get(sim, "deployment", "pt")["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["main", "extra"]  # merged by name, not replaced
    bad = sim.kubectl(
        "patch",
        "deployment",
        "pt",
        "--type",
        "json",
        "-p",
        '[{"op":"remove","path":"/nope"}]',
        check=False,
    )
    assert bad.returncode == 1
    owner = managers(get(sim, "deployment", "pt"))["kubectl-patch"]["fieldsV1"]
    assert "f:replicas" in owner["f:spec"] and "f:x" in owner["f:metadata"]["f:labels"]


def test_edit_with_scripted_editor(sim: RunningSim, tmp_path: Path) -> None:
    sim.kubectl("apply", "-f", write(tmp_path, "d.yaml", deployment("ed", replicas=2)))
    editor = {"KUBE_EDITOR": "sed -i s/replicas:\\ 2/replicas:\\ 3/"}
    out = sim.kubectl("edit", "deployment", "ed", env=editor).stdout
    assert "deployment.apps/ed edited" in out
    live = get(sim, "deployment", "ed")
    assert live["spec"]["replicas"] == 3
    assert managers(live)["kubectl-edit"]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}


def test_diff_exit_codes(sim: RunningSim, tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", deployment("df"))
    sim.kubectl("apply", "-f", path)
    same = sim.kubectl("diff", "-f", path, check=False)
    assert same.returncode == 0, same.stderr
    assert same.stdout == ""
    other = write(tmp_path, "d2.yaml", deployment("df", replicas=7))
    different = sim.kubectl("diff", "-f", other, check=False)
    assert different.returncode == 1, different.stderr
    assert "-  replicas: 2" in different.stdout and "+  replicas: 7" in different.stdout
    assert get(sim, "deployment", "df")["spec"]["replicas"] == 2  # diff stores nothing


def test_server_dry_run_stores_nothing(sim: RunningSim, tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", deployment("dry"))
    out = sim.kubectl("apply", "-f", path, "--dry-run=server").stdout
    assert "created (server dry run)" in out
    missing = sim.kubectl("get", "deployment", "dry", check=False)
    assert missing.returncode == 1 and "NotFound" in missing.stderr
    create = sim.kubectl(
        "create", "configmap", "dry-cm", "--from-literal=a=b", "--dry-run=server", "-o", "json"
    )
    assert json.loads(create.stdout)["data"] == {"a": "b"}
    assert sim.kubectl("get", "cm", "dry-cm", check=False).returncode == 1


def test_delete_and_namespace_cascade(sim: RunningSim, tmp_path: Path) -> None:
    sim.kubectl("create", "namespace", "doomed")
    sim.kubectl("create", "configmap", "c1", "-n", "doomed", "--from-literal=a=b")
    body = deployment("d1")
    body["metadata"]["namespace"] = "doomed"
    sim.kubectl("apply", "-f", write(tmp_path, "d.yaml", body))
    assert (
        'configmap "c1" deleted' in sim.kubectl("delete", "configmap", "c1", "-n", "doomed").stdout
    )
    sim.kubectl("delete", "namespace", "doomed")
    assert sim.kubectl("get", "namespace", "doomed", check=False).returncode == 1
    assert sim.kubectl("get", "deployments", "-n", "doomed", "-o", "name").stdout == ""
    gone = sim.kubectl("delete", "configmap", "nothing-here", check=False)
    assert gone.returncode == 1 and 'configmaps "nothing-here" not found' in gone.stderr


def test_finalizers_hold_deletion(sim: RunningSim, tmp_path: Path) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "held", "finalizers": ["example.com/hold"]},
    }
    sim.kubectl("apply", "-f", write(tmp_path, "c.yaml", body))
    sim.kubectl("delete", "configmap", "held", "--wait=false")
    live = get(sim, "configmap", "held")
    assert live["metadata"]["deletionTimestamp"]
    sim.kubectl(
        "patch",
        "configmap",
        "held",
        "--type",
        "json",
        "-p",
        '[{"op":"remove","path":"/metadata/finalizers"}]',
    )
    assert sim.kubectl("get", "configmap", "held", check=False).returncode == 1


def test_invalid_objects_are_rejected(sim: RunningSim, tmp_path: Path) -> None:
    bad = deployment("Bad_Name")
    out = sim.kubectl("apply", "-f", write(tmp_path, "bad.yaml", bad), check=False)
    assert out.returncode == 1 and "is invalid" in out.stderr and "metadata.name" in out.stderr
    mismatch = deployment("mismatch")
    mismatch["spec"]["selector"]["matchLabels"] = {"app": "other"}
    out = sim.kubectl("apply", "-f", write(tmp_path, "m.yaml", mismatch), check=False)
    assert "`selector` does not match template `labels`" in out.stderr
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x", "namespace": "no-such-ns"},
    }
    out = sim.kubectl("apply", "-f", write(tmp_path, "cm.yaml", cm), check=False)
    assert 'namespaces "no-such-ns" not found' in out.stderr
    typo = deployment("typo")
    typo["spec"]["replicaz"] = 3
    out = sim.kubectl("apply", "-f", write(tmp_path, "t.yaml", typo), check=False)
    assert out.returncode == 1 and 'unknown field "spec.replicaz"' in out.stderr


def test_explain(sim: RunningSim) -> None:
    out = sim.kubectl("explain", "deployment.spec.replicas").stdout
    assert "KIND:       Deployment" in out and "replicas <integer>" in out
    assert "Number of desired pods" in out
    out = sim.kubectl("explain", "pod.spec.containers.ports").stdout
    assert "containerPort" in out


def test_version_and_api_resources(sim: RunningSim) -> None:
    assert "Server Version: v1.37.0-kubesim" in sim.kubectl("version").stdout
    resources = sim.kubectl("api-resources", "-o", "name").stdout.split()
    for name in (
        "deployments.apps",
        "horizontalpodautoscalers.autoscaling",
        "customresourcedefinitions.apiextensions.k8s.io",
        "configmaps",
    ):
        assert name in resources
    assert "v2" in sim.kubectl("api-versions").stdout


def test_testdata_file(sim: RunningSim) -> None:
    # The deploy fixture used by other suites applies cleanly too.
    sim.kubectl("apply", "-f", str(DATA / "deploy.yaml"))
    assert get(sim, "deployment", "web")["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP"}
    ]


def test_all_required_kinds_apply_with_defaults(sim: RunningSim) -> None:
    out = sim.kubectl("apply", "-f", str(DATA / "kinds.yaml")).stdout
    assert out.count(" created") == 17
    job = get(sim, "job", "job")["spec"]
    assert (job["backoffLimit"], job["completions"], job["completionMode"]) == (6, 1, "NonIndexed")
    assert job["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"]
    hook = get(sim, "mutatingwebhookconfiguration", "mwh")["webhooks"][0]
    assert hook["clientConfig"]["service"]["port"] == 443 and hook["timeoutSeconds"] == 10
    assert get(sim, "networkpolicy", "np")["spec"]["policyTypes"] == ["Ingress"]
    assert get(sim, "hpa", "hpa")["spec"]["minReplicas"] == 1
    assert get(sim, "cronjob", "cron")["spec"]["concurrencyPolicy"] == "Allow"
    pod = get(sim, "pod", "pod")["spec"]
    assert pod["serviceAccountName"] == "default" and pod["enableServiceLinks"] is True


def test_bytes_that_are_not_base64_are_refused_as_the_server_does(
    sim: RunningSim, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: not-b64, namespace: default}\n"
        "data: {password: 'hunter2!'}\n"
    )
    refused = sim.kubectl("apply", "-f", str(bad), check=False)
    assert refused.returncode == 1
    assert 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at ' \
        "input byte 7" in refused.stderr  # fmt: skip
    assert sim.kubectl("get", "secret", "not-b64", check=False).returncode == 1  # not stored
    sim.kubectl("create", "secret", "generic", "good", "--from-literal=password=hunter2")
    patched = sim.kubectl("patch", "secret", "good", "--type=merge",
                          "-p", '{"data": {"password": "aGVsbG8"}}', check=False)  # fmt: skip
    assert patched.returncode == 1 and "illegal base64 data at input byte 7" in patched.stderr
    kept = sim.kubectl("get", "secret", "good", "-o", "jsonpath={.data.password}")
    assert kept.stdout == "aHVudGVyMg=="  # the refused patch changed nothing
    config = tmp_path / "cm.yaml"
    config.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bin, namespace: default}\n"
        "binaryData: {blob: \"AAEC\\nAw==\"}\ndata: {plain: 'not base64 and fine'}\n"
    )
    sim.kubectl("apply", "-f", str(config))  # line breaks in base64 are allowed
    config.write_text(config.read_text().replace("AAEC\\nAw==", "AAEC=Aw=="))
    assert sim.kubectl("apply", "-f", str(config), check=False).returncode == 1
