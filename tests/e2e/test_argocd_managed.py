"""A cluster Argo CD already manages, with annotation tracking (Argo CD 3's default), audits
as it is: Synced when it matches, Extra for an annotated leftover, drift attributed."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import Config
from auditor.demo.deploy import apply_objects
from auditor.demo.fleet import running_fleet
from auditor.demo.kubectl import Kubectl
from auditor.live.tracking import TRACKING_ANNOTATION, tracking_id
from auditor.model import ResourceStatus, SyncStatus
from auditor.pipeline import Pipeline
from auditor.pipeline.audit import audit as audit_flow
from auditor.sources.local import init_repo

pytestmark = pytest.mark.slow  # each test starts simulated clusters and syncs the repo

APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop}
spec:
  source: {repoURL: https://git.example.com/deploy.git, path: shop}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
"""
CONFIG = """apiVersion: v1
kind: ConfigMap
metadata: {name: shop-settings}
data: {currency: EUR}
"""


def annotated(obj: dict[str, object], *, namespace: str) -> dict[str, object]:
    meta = dict(obj["metadata"])  # type: ignore[arg-type]
    meta["namespace"] = namespace
    meta["annotations"] = {
        TRACKING_ANNOTATION: tracking_id(
            app="shop", group="", kind=str(obj["kind"]), namespace=namespace, name=meta["name"]
        )
    }
    return {**obj, "metadata": meta}


def test_annotation_tracked_cluster_audits_as_it_is(tmp_path: Path) -> None:
    import yaml

    tree = tmp_path / "tree"
    (tree / "shop").mkdir(parents=True)
    (tree / "app.yaml").write_text(APP)
    (tree / "shop" / "settings.yaml").write_text(CONFIG)
    init_repo(tree, tmp_path / "repo")
    with running_fleet(tmp_path / "clusters", clusters=("in-cluster",)) as fleet:
        kubectl = Kubectl(kubeconfig=fleet.kubeconfig, home=tmp_path)
        kubectl("create", "namespace", "shop", context="in-cluster")
        live = annotated(yaml.safe_load(CONFIG), namespace="shop")
        leftover = annotated(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old-promo"}},
            namespace="shop",
        )
        apply_objects(kubectl, [live, leftover], context="in-cluster")
        kubectl("patch", "configmap", "shop-settings", "-n", "shop", "--type=merge",
                "-p", '{"data":{"currency":"USD"}}', context="in-cluster")  # fmt: skip

        pipeline = Pipeline.from_config(
            Config(), cache_dir=tmp_path / "cache", kubeconfig=str(fleet.kubeconfig)
        )
        checkout = pipeline.sources.checkout(str(tmp_path / "repo"), "main")
        report = audit_flow(pipeline, checkout, list(pipeline.discover(checkout).apps)).apps[0]

    assert report.sync == SyncStatus.OUT_OF_SYNC
    by_name = {d.key.name: d for d in report.resources}
    assert by_name["old-promo"].status == ResourceStatus.EXTRA
    settings = by_name["shop-settings"]
    # Only the real change: the tracking annotation Argo CD wrote is not drift.
    assert [(c.path, c.desired, c.live, c.manager) for c in settings.changes] == [
        ("data.currency", "EUR", "USD", "kubectl-patch")
    ]
    assert settings.unmanaged == ()
