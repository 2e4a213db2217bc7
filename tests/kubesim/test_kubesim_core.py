"""Pure core parts: defaulting, selectors, list pagination, dump loading and state files,
and the `Cluster` verbs without HTTP (generation, resourceVersion, dry-run, conflicts)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.kubesim.cluster import Cluster, WriteOptions
from auditor.kubesim.defaults import IpAllocator, apply_defaults
from auditor.kubesim.defaults.pod import pull_policy
from auditor.kubesim.errors import ApiError
from auditor.kubesim.persistence import StateWriter, load_objects, parse_dump, read_state
from auditor.kubesim.reads import Query, list_objects
from auditor.kubesim.resources import ResourceType, builtin_types
from auditor.kubesim.selectors import labels_match, parse_field_selector, parse_label_selector
from auditor.kubesim.server import bootstrap
from tests.helpers import ARGOCD_DIFF, ARGOCD_HEALTH


def rt(kind: str) -> ResourceType:
    return next(r for r in builtin_types() if r.kind == kind)


@pytest.fixture
def cluster() -> Cluster:
    c = Cluster()
    bootstrap(c)
    return c


OPTS = WriteOptions(manager="test")


def test_pull_policy_by_tag() -> None:
    assert pull_policy("nginx") == "Always"
    assert pull_policy("nginx:latest") == "Always"
    assert pull_policy("registry:5000/nginx") == "Always"
    assert pull_policy("registry:5000/nginx:1.2") == "IfNotPresent"
    assert pull_policy("nginx@sha256:abc") == "IfNotPresent"


@pytest.mark.parametrize("name", ["statefulset.yaml", "deployment-progressing.yaml"])
def test_workload_defaults_match_real_objects(name: str) -> None:
    real = yaml.safe_load((ARGOCD_HEALTH / name).read_text())
    kind = real["kind"]
    template = real["spec"]["template"]
    template["metadata"].pop("creationTimestamp", None)
    bare: dict[str, Any] = {
        "spec": {
            "selector": real["spec"]["selector"],
            "template": yaml.safe_load(yaml.safe_dump(template)),
        }
    }
    for key in ("replicas", "serviceName", "updateStrategy", "volumeClaimTemplates"):
        if key in real["spec"]:
            bare["spec"][key] = real["spec"][key]
    for c in bare["spec"]["template"]["spec"]["containers"]:
        for key in ("terminationMessagePath", "terminationMessagePolicy", "resources"):
            c.pop(key, None)
    for key in ("dnsPolicy", "restartPolicy", "schedulerName", "terminationGracePeriodSeconds"):
        bare["spec"]["template"]["spec"].pop(key, None)
    apply_defaults(rt(kind), bare, allocator=IpAllocator())
    assert bare["spec"]["template"] == template
    assert bare["spec"]["revisionHistoryLimit"] == real["spec"]["revisionHistoryLimit"]


def test_secret_string_data_and_namespace_defaults() -> None:
    secret = {"metadata": {"name": "s"}, "stringData": {"user": "admin"}, "data": {"x": "eA=="}}
    apply_defaults(rt("Secret"), secret, allocator=IpAllocator())
    assert secret == {
        "metadata": {"name": "s"},
        "type": "Opaque",
        "data": {"x": "eA==", "user": base64.b64encode(b"admin").decode()},
    }
    ns = {"metadata": {"name": "n"}}
    apply_defaults(rt("Namespace"), ns, allocator=IpAllocator())
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "n"}
    assert ns["spec"] == {"finalizers": ["kubernetes"]}


def test_selectors() -> None:
    labels = {"app": "web", "tier": "front"}
    assert labels_match(parse_label_selector("app=web,tier!=back"), labels)
    assert labels_match(parse_label_selector("app in (web, api), !missing"), labels)
    assert not labels_match(parse_label_selector("tier notin (front)"), labels)
    assert not labels_match(parse_label_selector("missing"), labels)
    with pytest.raises(ApiError):
        parse_label_selector("app in web")
    match = parse_field_selector("metadata.name=a,metadata.namespace!=kube-system")
    assert match({"metadata": {"name": "a", "namespace": "default"}})
    assert not match({"metadata": {"name": "a", "namespace": "kube-system"}})


def test_pagination_and_selectors_over_the_store(cluster: Cluster) -> None:
    cm = rt("ConfigMap")
    for i in range(10):
        cluster.create(
            cm,
            "v1",
            "default",
            {"metadata": {"name": f"c{i:02}", "labels": {"odd": str(i % 2)}}},
            OPTS,
        )
    pages, token = [], ""
    while True:
        page = list_objects(
            cluster.store,
            cm,
            Query(namespace="default", label_selector="odd=1", limit=2, continue_token=token),
        )
        pages.append([s.obj["metadata"]["name"] for s in page.items])
        token = page.continue_token
        if not token:
            break
        assert page.remaining == 5 - 2 * len(pages)
    assert pages == [["c01", "c03"], ["c05", "c07"], ["c09"]]


def test_generation_resource_version_and_conflicts(cluster: Cluster) -> None:
    dep = rt("Deployment")
    body = {
        "metadata": {"name": "g"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
        },
    }
    created = cluster.create(dep, "v1", "default", body, OPTS)
    assert created["metadata"]["generation"] == 1
    rv1 = int(created["metadata"]["resourceVersion"])
    labelled = cluster.patch(
        dep,
        "v1",
        "default",
        "g",
        patch_type="application/merge-patch+json",
        body=b'{"metadata":{"labels":{"x":"y"}}}',
        opts=OPTS,
    )
    assert (
        labelled["metadata"]["generation"] == 1
        and int(labelled["metadata"]["resourceVersion"]) > rv1
    )
    scaled = cluster.patch(
        dep,
        "v1",
        "default",
        "g",
        patch_type="application/merge-patch+json",
        body=b'{"spec":{"replicas":3}}',
        opts=OPTS,
    )
    assert scaled["metadata"]["generation"] == 2
    stale = dict(created)
    with pytest.raises(ApiError) as exc:
        cluster.update(dep, "v1", "default", "g", stale, OPTS)
    assert exc.value.code == 409 and exc.value.reason == "Conflict"
    before = cluster.store.resource_version
    dry = cluster.patch(
        dep,
        "v1",
        "default",
        "g",
        patch_type="application/merge-patch+json",
        body=b'{"spec":{"replicas":9}}',
        opts=WriteOptions(manager="t", dry_run=True),
    )
    assert (
        dry["spec"]["replicas"] == 9 and cluster.get(dep, "default", "g")["spec"]["replicas"] == 3
    )
    assert cluster.store.resource_version == before


def test_errors_have_real_reasons(cluster: Cluster) -> None:
    cm = rt("ConfigMap")
    with pytest.raises(ApiError) as exc:
        cluster.create(cm, "v1", "nope", {"metadata": {"name": "x"}}, OPTS)
    assert (exc.value.code, exc.value.reason) == (404, "NotFound")
    cluster.create(cm, "v1", "default", {"metadata": {"name": "x"}}, OPTS)
    with pytest.raises(ApiError) as exc:
        cluster.create(cm, "v1", "default", {"metadata": {"name": "x"}}, OPTS)
    assert (exc.value.code, exc.value.reason) == (409, "AlreadyExists")
    with pytest.raises(ApiError) as exc:
        cluster.create(
            rt("Deployment"),
            "v1",
            "default",
            {
                "metadata": {"name": "d"},
                "spec": {"template": {"spec": {"containers": [{"name": "c"}]}}},
            },
            OPTS,
        )
    assert exc.value.code == 422
    fields = {c["field"] for c in exc.value.status()["details"]["causes"]}
    assert {"spec.selector", "spec.template.spec.containers[0].image"} <= fields


def test_dump_loading_keeps_metadata_and_state_round_trip(cluster: Cluster, tmp_path: Path) -> None:
    text = (ARGOCD_DIFF / "smd-deploy-live.yaml").read_text()
    objs = parse_dump(
        yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [yaml.safe_load(text)]})
    )
    assert load_objects(cluster, objs) == 1
    live = cluster.get(rt("Deployment"), "default", "nginx-deployment")
    original = yaml.safe_load(text)
    assert live == original  # served exactly as captured
    assert cluster.store.resource_version >= int(original["metadata"]["resourceVersion"])
    state = tmp_path / "state.json"
    writer = StateWriter(cluster, state)
    writer.start()
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "journalled"}}
    cluster.create(rt("ConfigMap"), "v1", "default", body, OPTS)
    restored = read_state(state)  # the snapshot and the journal, with the writer running
    assert restored is not None and any(
        o["metadata"]["name"] == "journalled" for o in restored if o["kind"] == "ConfigMap"
    )
    writer.stop()
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # journals folded in
    fresh = Cluster()
    restored = read_state(state)
    assert restored is not None
    load_objects(fresh, restored)
    assert fresh.get(rt("Deployment"), "default", "nginx-deployment") == original
    assert fresh.namespace_exists("kube-system") is not None
