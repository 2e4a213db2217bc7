"""Which live objects an app tracks, as Argo CD decides it (pure functions).

An object belongs to app A when its `argocd.argoproj.io/tracking-id` annotation names A
(`A:group/Kind:namespace/name`, or `ns_A:...` for apps outside Argo CD's namespace) or,
without that annotation, when its instance label (default `app.kubernetes.io/instance`)
is A. Objects with ownerReferences are children made by controllers, never `Extra`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

TRACKING_ANNOTATION = "argocd.argoproj.io/tracking-id"
DEFAULT_INSTANCE_LABEL = "app.kubernetes.io/instance"


def tracking_app(obj: Mapping[str, Any], *, label_key: str = DEFAULT_INSTANCE_LABEL) -> str:
    """The app an object is tracked by, or "" when none.

    An annotation only counts when it describes the object itself (group, kind, name, and
    namespace unless the object is cluster-scoped), as in Argo CD: a copy made by a
    replicator or `kubectl get -o yaml | kubectl apply` carries another object's
    annotation and belongs to no app."""
    meta = obj.get("metadata") or {}
    annotation = (meta.get("annotations") or {}).get(TRACKING_ANNOTATION)
    if annotation:
        parsed = parse_tracking_id(str(annotation))
        if parsed is None:
            return ""
        app, group, kind, namespace, name = parsed
        own_group = str(obj.get("apiVersion") or "").rpartition("/")[0]
        own_namespace = str(meta.get("namespace") or "")
        if (group, kind, name) != (own_group, str(obj.get("kind") or ""), meta.get("name")):
            return ""
        if own_namespace and namespace != own_namespace:
            return ""
        return app
    return str((meta.get("labels") or {}).get(label_key) or "")


def parse_tracking_id(value: str) -> tuple[str, str, str, str, str] | None:
    """`app:group/Kind:namespace/name` -> (app, group, kind, namespace, name); the app part
    may be `namespace_app` for apps outside Argo CD's own namespace."""
    try:
        app, group_kind, namespaced = value.split(":", 2)
        group, kind = group_kind.split("/", 1)
        namespace, name = namespaced.split("/", 1)
    except ValueError:
        return None
    return app.split("_", 1)[-1], group, kind, namespace, name


def tracking_id(*, app: str, group: str, kind: str, namespace: str, name: str) -> str:
    """Argo CD's annotation value for an object of `app`."""
    return f"{app}:{group}/{kind}:{namespace}/{name}"


# Controllers copy a Service's labels onto these without an ownerReference: they are
# never an app's own unless Git declares them (then they are paired, not Extra).
NEVER_TRACKED: frozenset[tuple[str, str]] = frozenset(
    {("", "Endpoints"), ("discovery.k8s.io", "EndpointSlice")}
)


def is_top_level(obj: Mapping[str, Any]) -> bool:
    """Not made by a controller: no ownerReferences, and not a kind controllers copy."""
    if (obj.get("metadata") or {}).get("ownerReferences"):
        return False
    group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    return (group, str(obj.get("kind") or "")) not in NEVER_TRACKED


def tracked_by_app(
    objects: Iterable[Mapping[str, Any]], *, label_key: str = DEFAULT_INSTANCE_LABEL
) -> dict[str, list[Mapping[str, Any]]]:
    """Top-level live objects grouped by the app that tracks them (one pass per snapshot)."""
    by_app: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for obj in objects:
        app = tracking_app(obj, label_key=label_key)
        if app and is_top_level(obj):
            by_app[app].append(obj)
    return dict(by_app)


LABEL = "label"
ANNOTATION = "annotation"
ANNOTATION_AND_LABEL = "annotation+label"


def tracking_method(
    objects: Iterable[Mapping[str, Any]], *, label_key: str = DEFAULT_INSTANCE_LABEL
) -> str:
    """How an app's live objects are tracked (Argo CD's `resourceTrackingMethod`), judged
    from those objects: the annotation and/or the label, `label` when none says."""
    uses_label = uses_annotation = False
    for obj in objects:
        meta = obj.get("metadata") or {}
        uses_label = uses_label or label_key in (meta.get("labels") or {})
        uses_annotation = uses_annotation or TRACKING_ANNOTATION in (meta.get("annotations") or {})
    if uses_annotation:
        return ANNOTATION_AND_LABEL if uses_label else ANNOTATION
    return LABEL


def with_tracking(
    desired: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    *,
    app: str,
    label_key: str = DEFAULT_INSTANCE_LABEL,
    method: str = LABEL,
) -> Mapping[str, Any]:
    """The desired object as Argo CD compares it: with the tracking label and/or annotation
    set for `app` (Argo CD writes them at sync; Git does not hold them). The live object's
    own method decides which; a live object that carries neither (someone removed it, or
    it was never synced) gets the app's `method`, so its absence is drift, as in Argo CD.

    A live object tracked by another app keeps showing that as drift."""
    if live is None:
        return desired
    live_meta = live.get("metadata") or {}
    uses_label = label_key in (live_meta.get("labels") or {})
    uses_annotation = TRACKING_ANNOTATION in (live_meta.get("annotations") or {})
    if not (uses_label or uses_annotation):
        uses_label = method in (LABEL, ANNOTATION_AND_LABEL)
        uses_annotation = method in (ANNOTATION, ANNOTATION_AND_LABEL)
    body = dict(desired)
    meta = dict(body.get("metadata") or {})
    if uses_label:
        meta["labels"] = {**(meta.get("labels") or {}), label_key: app}
    if uses_annotation:
        group = str(desired.get("apiVersion") or "").rpartition("/")[0]
        value = tracking_id(
            app=app,
            group=group,
            kind=str(desired.get("kind") or ""),
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name") or ""),
        )
        meta["annotations"] = {**(meta.get("annotations") or {}), TRACKING_ANNOTATION: value}
    body["metadata"] = meta
    return body
