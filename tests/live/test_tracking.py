"""Which live objects an app tracks: Argo CD's annotation, the instance label, owners."""

from __future__ import annotations

from auditor.live.tracking import (
    tracked_by_app,
    tracking_app,
    tracking_id,
    tracking_method,
    with_tracking,
)


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


def test_the_tracking_method_is_what_the_app_s_live_objects_use() -> None:
    label = obj("a", labels={"app.kubernetes.io/instance": "web"})
    note = obj("b", annotations={"argocd.argoproj.io/tracking-id": "web:/ConfigMap:ns/b"})
    assert tracking_method([label]) == "label"
    assert tracking_method([note]) == "annotation"
    assert tracking_method([label, note]) == "annotation+label"
    assert tracking_method([]) == "label"  # Argo CD's default before 3.0, and what we write


def test_a_live_object_stripped_of_its_tracking_gets_it_back_in_desired() -> None:
    """Argo CD adds the tracking metadata to the desired object before comparing: a live
    object whose label someone removed differs from it, so the removal is drift."""
    desired = obj("a")
    stripped = obj("a")
    by_label = with_tracking(desired, stripped, app="web", method="label")
    assert by_label["metadata"]["labels"] == {"app.kubernetes.io/instance": "web"}
    assert "argocd.argoproj.io/tracking-id" not in by_label["metadata"]["annotations"]
    by_note = with_tracking(desired, stripped, app="web", method="annotation")
    assert by_note["metadata"]["annotations"] == {
        "argocd.argoproj.io/tracking-id": "web:/ConfigMap:/a"
    }
    assert "app.kubernetes.io/instance" not in by_note["metadata"]["labels"]
    # An object still carrying its own method keeps it, whatever the app's.
    labelled = obj("a", labels={"app.kubernetes.io/instance": "web"})
    kept = with_tracking(desired, labelled, app="web", method="annotation")
    assert kept["metadata"]["labels"] == {"app.kubernetes.io/instance": "web"}
    assert with_tracking(desired, None, app="web") is desired  # Missing: nothing to compare
