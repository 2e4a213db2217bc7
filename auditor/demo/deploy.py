"""Deploying apps to a cluster the way Argo CD's first sync does, with the real kubectl:
server-side apply as `argocd-controller`, the app's tracking label on every object, the
destination namespace created, Namespaces and CRDs before the objects that need them."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from auditor.demo.kubectl import Kubectl
from auditor.model import App, RenderedApp, Resource

FIELD_MANAGER = "argocd-controller"
_FIRST = ("Namespace", "CustomResourceDefinition")


def manifests_for(app: App, rendered: RenderedApp, *, label_key: str) -> list[dict[str, Any]]:
    """The objects to apply: the desired ones, labelled for tracking, in apply order."""
    out = []
    for resource in sorted(rendered.resources, key=_order):
        body = copy.deepcopy(dict(resource.body))
        meta = body.setdefault("metadata", {})
        meta.setdefault("labels", {})[label_key] = app.name
        out.append(body)
    return out


def _rank(kind: str) -> int:
    """Namespaces, then CRDs, then everything else (kubectl applies in the order given)."""
    return _FIRST.index(kind) if kind in _FIRST else len(_FIRST)


def _order(resource: Resource) -> tuple[int, str]:
    return (_rank(resource.key.kind), str(resource.key))


def apply_objects(kubectl: Kubectl, objects: Iterable[Mapping[str, Any]], *, context: str) -> None:
    docs = list(objects)
    if not docs:
        return
    kubectl(
        "apply",
        "--server-side",
        f"--field-manager={FIELD_MANAGER}",
        "--force-conflicts",
        "-f",
        "-",
        context=context,
        stdin=yaml.safe_dump_all(docs, sort_keys=False),
    )


def deploy(kubectl: Kubectl, app: App, rendered: RenderedApp, *, label_key: str) -> None:
    """Sync one app to its cluster (the kubeconfig context named after the cluster)."""
    deploy_many(kubectl, [(app, rendered)], label_key=label_key)


def deploy_many(
    kubectl: Kubectl, apps: Iterable[tuple[App, RenderedApp]], *, label_key: str
) -> None:
    """Sync several apps: one kubectl call per cluster, destination namespaces, Namespaces
    and CRDs first."""
    by_cluster: dict[str, list[dict[str, Any]]] = {}
    for app, rendered in apps:
        objects = by_cluster.setdefault(app.cluster, [])
        if app.destination.namespace:
            objects.append(_namespace(app.destination.namespace))
        objects.extend(manifests_for(app, rendered, label_key=label_key))
    for cluster, objects in by_cluster.items():
        ordered = sorted(objects, key=lambda o: _rank(str(o["kind"])))
        apply_objects(kubectl, _unique(ordered), context=cluster)


def _namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def _unique(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bare destination Namespaces once each, and none where an app declares that Namespace
    itself (a later bare apply by the same manager would drop the declared labels)."""
    declared = {
        o["metadata"]["name"]
        for o in objects
        if o["kind"] == "Namespace" and set(o.get("metadata") or {}) != {"name"}
    }
    seen: set[str] = set()
    out = []
    for obj in objects:
        meta = obj.get("metadata") or {}
        if obj["kind"] == "Namespace" and set(meta) == {"name"}:
            if meta["name"] in seen or meta["name"] in declared:
                continue
            seen.add(meta["name"])
        out.append(obj)
    return out
