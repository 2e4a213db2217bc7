"""Tracking as Argo CD compares it: a live object whose tracking label was removed is
drift (Argo CD adds the label to the desired object), and a sync puts it back."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import TrackingConfig
from auditor.model import ResourceStatus, SyncStatus
from tests.helpers.cluster import application, one_cluster, quiet_policies

pytestmark = pytest.mark.slow  # starts a simulated cluster

FILES = {
    "apps/shop.yaml": application("shop", path="shop"),
    "shop/settings.yaml": """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {currency: EUR}
        """,
}
LABEL = "app.kubernetes.io/instance"


def test_removing_the_tracking_label_is_drift_and_sync_restores_it(tmp_path: Path) -> None:
    with one_cluster(tmp_path, FILES) as world:
        first = world.sync("shop")
        assert first.done, first
        assert world.audit("shop").sync == SyncStatus.SYNCED
        world.run("label", "configmap", "settings", "-n", "shop", f"{LABEL}-")

        report = world.audit("shop")
        assert report.sync == SyncStatus.OUT_OF_SYNC
        (drift,) = report.resources
        assert drift.status == ResourceStatus.OUT_OF_SYNC
        # The only label went, so the whole (now absent) labels map is what differs.
        assert [(c.path, c.desired, c.live) for c in drift.changes] == [
            ("metadata.labels", {LABEL: "shop"}, None)
        ]

        healed = world.sync("shop")
        assert healed.done, healed
        live = world.get("configmap", "settings", "-n", "shop")
        assert live["metadata"]["labels"][LABEL] == "shop"
        assert world.audit("shop").sync == SyncStatus.SYNCED


ANNOTATION = "argocd.argoproj.io/tracking-id"


def test_removing_the_tracking_annotation_is_drift_and_sync_restores_it(tmp_path: Path) -> None:
    config = quiet_policies(tmp_path).model_copy(
        update={"tracking": TrackingConfig(method="annotation")}
    )
    with one_cluster(tmp_path, FILES, config=config) as world:
        assert world.sync("shop").done
        live = world.get("configmap", "settings", "-n", "shop")
        assert live["metadata"]["annotations"][ANNOTATION] == "shop:/ConfigMap:shop/settings"
        assert world.audit("shop").sync == SyncStatus.SYNCED
        world.run("annotate", "configmap", "settings", "-n", "shop", f"{ANNOTATION}-")

        report = world.audit("shop")  # no longer the app's by annotation: not Synced
        assert report.sync == SyncStatus.OUT_OF_SYNC
        (drift,) = report.resources
        assert any(ANNOTATION in c.path or (isinstance(c.desired, dict) and ANNOTATION in
                   c.desired) for c in drift.changes), drift.changes  # fmt: skip

        assert world.sync("shop").done
        live = world.get("configmap", "settings", "-n", "shop")
        assert live["metadata"]["annotations"][ANNOTATION] == "shop:/ConfigMap:shop/settings"
        assert world.audit("shop").sync == SyncStatus.SYNCED
