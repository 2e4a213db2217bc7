"""Which live objects an app tracks: Argo CD's annotation, the instance label, owners."""

from __future__ import annotations

from auditor.live.tracking import tracked_by_app, tracking_app, tracking_id


def obj(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    owned: bool = False,
) -> dict:  # type: ignore[type-arg]
    meta: dict = {"name": name, "labels": labels or {}, "annotations": annotations or {}}  # type: ignore[type-arg]
    if owned:
        meta["ownerReferences"] = [{"kind": "Deployment", "name": "x", "uid": "1"}]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


def test_annotation_wins_over_label() -> None:
    o = obj(
        "a",
        labels={"app.kubernetes.io/instance": "label-app"},
        annotations={"argocd.argoproj.io/tracking-id": "anno-app:/ConfigMap:prod/a"},
    )
    o["metadata"]["namespace"] = "prod"
    assert tracking_app(o) == "anno-app"


def test_an_annotation_copied_from_another_object_tracks_nothing() -> None:
    """A replicated or copy-pasted object carries its source's annotation: not the app's."""
    value = "web:/ConfigMap:prod/settings"
    copy = obj("settings", annotations={"argocd.argoproj.io/tracking-id": value})
    copy["metadata"]["namespace"] = "staging"
    assert tracking_app(copy) == ""
    renamed = obj("settings-copy", annotations={"argocd.argoproj.io/tracking-id": value})
    renamed["metadata"]["namespace"] = "prod"
    assert tracking_app(renamed) == ""
    garbage = obj("x", annotations={"argocd.argoproj.io/tracking-id": "not an id"})
    assert tracking_app(garbage) == ""


def test_cluster_scoped_objects_ignore_the_annotation_namespace() -> None:
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {
            "name": "reader",
            "annotations": {
                "argocd.argoproj.io/tracking-id": (
                    "ops:rbac.authorization.k8s.io/ClusterRole:ops/reader"
                )
            },
        },
    }
    assert tracking_app(role) == "ops"


def test_endpoints_copied_from_a_service_are_never_tracked() -> None:
    endpoints = obj("web", labels={"app.kubernetes.io/instance": "web"})
    endpoints["kind"] = "Endpoints"
    assert tracked_by_app([endpoints]) == {}


def test_label_key_is_configurable() -> None:
    o = obj("a", labels={"argocd.argoproj.io/instance": "my-app"})
    assert tracking_app(o) == ""
    assert tracking_app(o, label_key="argocd.argoproj.io/instance") == "my-app"


def test_apps_in_any_namespace_prefix() -> None:
    o = obj("y", annotations={"argocd.argoproj.io/tracking-id": "team-a_web:/ConfigMap:x/y"})
    o["metadata"]["namespace"] = "x"
    assert tracking_app(o) == "web"


def test_tracking_id_format_round_trips() -> None:
    value = tracking_id(app="web", group="", kind="ConfigMap", namespace="prod", name="x")
    assert value == "web:/ConfigMap:prod/x"
    o = obj("x", annotations={"argocd.argoproj.io/tracking-id": value})
    o["metadata"]["namespace"] = "prod"
    assert tracking_app(o) == "web"


def test_owned_children_are_not_top_level() -> None:
    objects = [
        obj("mine", labels={"app.kubernetes.io/instance": "web"}),
        obj("child", labels={"app.kubernetes.io/instance": "web"}, owned=True),
        obj("other", labels={"app.kubernetes.io/instance": "api"}),
        obj("untracked"),
    ]
    grouped = tracked_by_app(objects)
    assert {k: [o["metadata"]["name"] for o in v] for k, v in grouped.items()} == {
        "web": ["mine"],
        "api": ["other"],
    }
