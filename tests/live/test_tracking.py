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
    assert tracking_app(o) == "anno-app"


def test_label_key_is_configurable() -> None:
    o = obj("a", labels={"argocd.argoproj.io/instance": "my-app"})
    assert tracking_app(o) == ""
    assert tracking_app(o, label_key="argocd.argoproj.io/instance") == "my-app"


def test_apps_in_any_namespace_prefix() -> None:
    o = obj("a", annotations={"argocd.argoproj.io/tracking-id": "team-a_web:apps/Deployment:x/y"})
    assert tracking_app(o) == "web"


def test_tracking_id_format_round_trips() -> None:
    value = tracking_id(app="web", group="apps", kind="Deployment", namespace="prod", name="web")
    assert value == "web:apps/Deployment:prod/web"
    assert tracking_app(obj("x", annotations={"argocd.argoproj.io/tracking-id": value})) == "web"


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
