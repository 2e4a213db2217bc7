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


def _order(resource: Resource) -> tuple[int, str]:
    kind = resource.key.kind
    return (_FIRST.index(kind) if kind in _FIRST else len(_FIRST), str(resource.key))


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


def ensure_namespace(kubectl: Kubectl, namespace: str, *, context: str) -> None:
    if not namespace:
        return
    namespace_doc = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    apply_objects(kubectl, [namespace_doc], context=context)


def deploy(kubectl: Kubectl, app: App, rendered: RenderedApp, *, label_key: str) -> None:
    """Sync one app to its cluster (the kubeconfig context named after the cluster)."""
    ensure_namespace(kubectl, app.destination.namespace, context=app.cluster)
    apply_objects(kubectl, manifests_for(app, rendered, label_key=label_key), context=app.cluster)
