"""Which resources are shared between apps (pure): declared by another app of the same
cluster, or tracked live as another app's (label or tracking-id annotation)."""

from __future__ import annotations

from auditor.live.shared import declared_index, mark_shared, sharers
from auditor.model import AppReport, ResourceDrift, ResourceKey, ResourceStatus, SyncStatus

CM = ResourceKey("", "ConfigMap", "shop", "settings")
OWN = ResourceKey("", "ConfigMap", "shop", "own")


def live(app: str, *, annotation: bool = False) -> dict[str, object]:
    meta: dict[str, object] = {"name": "settings", "namespace": "shop"}
    if annotation:
        meta["annotations"] = {"argocd.argoproj.io/tracking-id": f"{app}:/ConfigMap:shop/settings"}
    else:
        meta["labels"] = {"app.kubernetes.io/instance": app}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


def test_declared_by_another_app_of_the_same_cluster_only() -> None:
    index = declared_index([("a", "prod", [CM, OWN]), ("b", "prod", [CM]), ("c", "dev", [OWN])])
    assert sharers("a", "prod", [CM, OWN], declared=index, live={}) == {CM: ("b",)}
    assert sharers("c", "dev", [OWN], declared=index, live={}) == {}


def test_tracked_live_as_another_apps() -> None:
    for annotation in (False, True):
        found = sharers("a", "prod", [CM], declared={}, live={CM: live("b", annotation=annotation)})
        assert found == {CM: ("b",)}
    assert sharers("a", "prod", [CM], declared={}, live={CM: live("a")}) == {}


def test_marking_names_the_other_apps_and_stops_the_prune() -> None:
    report = AppReport(
        name="a", project="default", cluster="prod", namespace="shop", path="apps/a",
        revision="r", sync=SyncStatus.OUT_OF_SYNC,
        resources=(ResourceDrift(CM, "v1", ResourceStatus.EXTRA), ResourceDrift(OWN, "v1",
                   ResourceStatus.EXTRA)),
    )  # fmt: skip
    marked = mark_shared(report, {CM: ("b", "c")})
    shared, own = marked.resources
    assert shared.shared_with == ("b", "c") and not shared.requires_pruning
    assert own.shared_with == () and own.requires_pruning
    assert marked.notes == (
        "SharedResourceWarning: ConfigMap/settings is part of applications a and b, c; "
        "no app heals or prunes it",
    )
