"""The real `kubernetes` Python client against kubesim: DynamicClient discovery, list, get,
server-side apply dry-run; typed CoreV1Api/AppsV1Api; watch; pagination; errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

from auditor.kubesim.testing import RunningSim


@pytest.fixture(scope="module")
def api(sim: RunningSim) -> Iterator[client.ApiClient]:
    api_client = config.new_client_from_config(config_file=str(sim.kubeconfig))
    yield api_client
    api_client.close()


def cm(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "data": {"k": "v"},
    }


def test_dynamic_client(api: client.ApiClient) -> None:
    dyn = dynamic.DynamicClient(api)
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    assert deployments.namespaced and deployments.name == "deployments"
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "dyn", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "dyn"}},
            "template": {
                "metadata": {"labels": {"app": "dyn"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }
    preview = deployments.server_side_apply(
        body=body, name="dyn", namespace="default", field_manager="tests", dry_run="All"
    )
    assert (
        preview.spec.replicas == 1
        and preview.spec.template.spec.containers[0].imagePullPolicy == "Always"
    )
    with pytest.raises(dynamic.exceptions.NotFoundError):
        deployments.get(name="dyn", namespace="default")
    deployments.server_side_apply(body=body, name="dyn", namespace="default", field_manager="tests")
    got = deployments.get(name="dyn", namespace="default")
    assert got.metadata.managedFields[0].manager == "tests"
    assert [i.metadata.name for i in deployments.get(namespace="default").items] == ["dyn"]
    hpa = dyn.resources.get(api_version="autoscaling/v2", kind="HorizontalPodAutoscaler")
    assert hpa.namespaced


def test_typed_clients(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    apps = client.AppsV1Api(api)
    core.create_namespaced_config_map("default", cm("typed", app="t"))
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_config_map("default", cm("typed"))
    assert exc.value.status == 409
    core.patch_namespaced_config_map("typed", "default", {"data": {"k": "w"}})
    assert core.read_namespaced_config_map("typed", "default").data == {"k": "w"}
    names = [
        c.metadata.name
        for c in core.list_namespaced_config_map("default", label_selector="app=t").items
    ]
    assert names == ["typed"]
    dep = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="typed"),
        spec=client.V1DeploymentSpec(
            selector=client.V1LabelSelector(match_labels={"a": "b"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"a": "b"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx:1.2")]),
            ),
        ),
    )
    created = apps.create_namespaced_deployment("default", dep)
    assert created.spec.strategy.rolling_update.max_surge == "25%"
    assert created.metadata.managed_fields[0].manager == "OpenAPI-Generator"  # from the user agent
    apps.patch_namespaced_deployment_scale("typed", "default", {"spec": {"replicas": 4}})
    assert apps.read_namespaced_deployment_status("typed", "default").status.ready_replicas == 4
    stale = apps.read_namespaced_deployment("typed", "default")
    stale.metadata.resource_version = "1"
    with pytest.raises(ApiException) as exc:
        apps.replace_namespaced_deployment("typed", "default", stale)
    assert exc.value.status == 409 and "the object has been modified" in exc.value.body


def test_pagination(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "paged"}})
    for i in range(7):
        core.create_namespaced_config_map("paged", cm(f"p{i}"))
    seen: list[str] = []
    token = None
    while True:
        page = core.list_namespaced_config_map("paged", limit=3, _continue=token)
        seen += [c.metadata.name for c in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert seen == ["kube-root-ca.crt"] + [f"p{i}" for i in range(7)]
    core.delete_collection_namespaced_config_map("paged", label_selector="")
    assert core.list_namespaced_config_map("paged").items == []


def test_watch(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    start = core.list_namespaced_config_map("default").metadata.resource_version

    def writer() -> None:
        core.create_namespaced_config_map("default", cm("watched"))
        core.patch_namespaced_config_map("watched", "default", {"data": {"k": "2"}})
        core.delete_namespaced_config_map("watched", "default")

    w = watch.Watch()
    thread = threading.Thread(target=writer)
    thread.start()
    events = []
    for event in w.stream(
        core.list_namespaced_config_map, "default", resource_version=start, timeout_seconds=5
    ):
        if event["object"].metadata.name == "watched":
            events.append((event["type"], (event["object"].data or {}).get("k")))
        if len(events) == 3:
            w.stop()
    thread.join()
    assert events == [("ADDED", "v"), ("MODIFIED", "2"), ("DELETED", "2")]


def test_errors_are_status_objects(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    with pytest.raises(ApiException) as exc:
        core.read_namespaced_config_map("absent", "default")
    assert exc.value.status == 404 and '"reason":"NotFound"' in exc.value.body
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_config_map("default", {"metadata": {"name": "UPPER"}})
    assert exc.value.status == 422 and '"field":"metadata.name"' in exc.value.body
