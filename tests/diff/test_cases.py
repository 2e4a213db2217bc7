"""Every case of tests/data/argocd-diff/INDEX.md, with the outcome and fields it names."""

from __future__ import annotations

import copy

import pytest

from auditor.diff import diff_resource
from auditor.model import ResourceStatus
from tests.helpers import ARGOCD_DIFF as TESTDATA
from tests.helpers import argocd_diff as load

IN_SYNC = [
    ("deployment-config.json", "deployment-live.json"),
    ("elasticsearch-config.json", "elasticsearch-live.json"),
    ("mutatingwebhookconfig-config.json", "mutatingwebhookconfig-live.json"),
    ("spinnaker-sa-config.json", "spinnaker-sa-live.json"),
    ("wordpress-config.json", "wordpress-live.json"),
    ("grafana-clusterrole-config.json", "grafana-clusterrole-live.json"),
    ("sealedsecret-config.json", "sealedsecret-live.json"),
    ("endpoints-config.json", "endpoints-live.json"),
    ("aggr-clusterrole-config.json", "aggr-clusterrole-live.json"),
    ("demo-sa-config.json", "demo-sa-live.json"),
    ("customobj-foo-config.yaml", "customobj-foo-live.yaml"),
    ("secret-stringdata-config.yaml", "secret-stringdata-live.yaml"),
    ("smd-deploy-config.yaml", "smd-deploy-live.yaml"),
]

# config, live -> {path: (desired, live)} of every change expected (exactly these).
DRIFT = {
    ("smd-service-config.yaml", "smd-service-live-with-type.yaml"): {
        "spec.ports[port=1935,protocol=TCP].targetPort": (1936, 1935),
        "spec.type": (None, "NodePort"),
    },
    ("smd-service-config-2-ports.yaml", "smd-service-live.yaml"): {
        "spec.ports[port=443,protocol=TCP]": (
            None,
            {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443},
        ),
    },
    ("smd-service-config-ports.yaml", "smd-service-live.yaml"): {
        "spec.ports[port=1935,protocol=UDP]": (
            {"name": "rtmpq", "port": 1935, "protocol": "UDP", "targetPort": 1935},
            None,
        ),
        "spec.ports[port=443,protocol=UDP]": (
            {"name": "http3", "port": 443, "protocol": "UDP", "targetPort": 443},
            None,
        ),
    },
}

CONTAINER = "spec.template.spec.containers"
# base name, live file -> paths of the changes expected (exactly these).
SERVER_SIDE = {
    ("ssd-service", "ssd-service-live.yaml"): {'metadata.labels["app.kubernetes.io/instance"]'},
    ("ssd-deploy-nested", "ssd-deploy-nested-live.yaml"): {
        f"{CONTAINER}[name=main-container].env[name=ENV_VAR2]",
        f"{CONTAINER}[name=main-container].ports[containerPort=443,protocol=TCP]",
    },
    ("ssd-deploy-with-manual-apply", "ssd-deploy-with-manual-apply-live.yaml"): {
        f"{CONTAINER}[name=main-container].ports[containerPort=40,protocol=TCP]",
    },
    ("ssd-svc-no-label", "ssd-svc-label-live.yaml"): {"metadata.labels.delete-me"},
    ("ssd-deploy-composite-key", "ssd-deploy-composite-key-live.yaml"): {
        f"{CONTAINER}[name=nginx].ports[containerPort=8080,protocol=TCP]",
    },
    ("ssd-configmap", "ssd-configmap-live.yaml"): {"data.key3"},
    ("smd-deploy2", "smd-deploy2-live.yaml"): {f"{CONTAINER}[name=nginx].resources"},
}


@pytest.mark.parametrize(("config", "live"), IN_SYNC, ids=[c for c, _ in IN_SYNC])
def test_in_sync_cases(config: str, live: str) -> None:
    drift = diff_resource(load(config), load(live))
    assert drift.status == ResourceStatus.SYNCED, drift.changes
    assert drift.changes == ()
    assert drift.diff == ""


@pytest.mark.parametrize(("config", "live"), list(DRIFT), ids=[c for c, _ in DRIFT])
def test_drift_cases_report_the_named_fields(config: str, live: str) -> None:
    drift = diff_resource(load(config), load(live))
    assert drift.status == ResourceStatus.OUT_OF_SYNC
    assert {c.path: (c.desired, c.live) for c in drift.changes} == DRIFT[(config, live)]
    assert drift.diff.startswith("--- live\n+++ desired\n")


def test_elasticsearch_label_edits_are_each_reported() -> None:
    config = load("elasticsearch-config.json")
    labels = config["metadata"]["labels"]
    labels["foo"] = "bar"
    labels["chart"] = "elasticsearch-1.7.1"
    del labels["release"]
    drift = diff_resource(config, load("elasticsearch-live.json"))
    assert drift.status == ResourceStatus.OUT_OF_SYNC
    assert {c.path: (c.desired, c.live) for c in drift.changes} == {
        "metadata.labels.foo": ("bar", None),
        "metadata.labels.chart": ("elasticsearch-1.7.1", "elasticsearch-1.7.0"),
        # Removed from Git, still live, and in the last-applied annotation.
        "metadata.labels.release": (None, "elasticsearch4"),
    }
    assert "-    chart: elasticsearch-1.7.0" in drift.diff
    assert "+    foo: bar" in drift.diff


def test_secret_with_invalid_string_data_is_missing_without_crashing() -> None:
    drift = diff_resource(load("secret-invalid-stringdata-config.yaml"), None)
    assert drift.status == ResourceStatus.MISSING
    assert drift.diff.startswith("--- live\n+++ desired\n")
    assert "<secret sha256:" in drift.diff
    assert "1234" not in drift.diff and "MTIzNA==" not in drift.diff


def test_invalid_string_data_compares_with_its_base64_live_value() -> None:
    config = load("secret-invalid-stringdata-config.yaml")
    live = load("secret-invalid-stringdata-live.yaml")
    assert diff_resource(config, live).status == ResourceStatus.SYNCED
    config["stringData"]["foo"] = 1235
    assert [c.path for c in diff_resource(config, live).changes] == ["data.foo"]


@pytest.mark.parametrize(("base", "live"), list(SERVER_SIDE), ids=[b for b, _ in SERVER_SIDE])
def test_server_side_diff_triples(base: str, live: str) -> None:
    drift = diff_resource(
        load(f"{base}-config.yaml"),
        load(live),
        predicted_live=load(f"{base}-predicted-live.json"),
    )
    assert drift.status == ResourceStatus.OUT_OF_SYNC
    assert {c.path for c in drift.changes} == SERVER_SIDE[(base, live)]
    assert drift.diff


def test_webhook_added_label_is_not_drift_in_server_side_diff() -> None:
    drift = diff_resource(
        load("ssd-service-config.yaml"),
        load("ssd-service-live.yaml"),
        predicted_live=load("ssd-service-predicted-live.json"),
    )
    assert not any("event" in c.path for c in drift.changes)
    assert "FROM-MUTATION-WEBHOOK" not in drift.diff


def test_server_side_diff_values_and_attribution() -> None:
    drift = diff_resource(
        load("ssd-configmap-config.yaml"),
        load("ssd-configmap-live.yaml"),
        predicted_live=load("ssd-configmap-predicted-live.json"),
    )
    (change,) = drift.changes
    assert (change.desired, change.live) == (None, "value3")
    assert (change.manager, change.time) == ("argocd-controller", "2024-01-01T00:00:00Z")
    assert "-  key3: value3" in drift.diff


def test_server_side_added_entry_carries_the_predicted_value() -> None:
    drift = diff_resource(
        load("ssd-deploy-nested-config.yaml"),
        load("ssd-deploy-nested-live.yaml"),
        predicted_live=load("ssd-deploy-nested-predicted-live.json"),
    )
    env = next(c for c in drift.changes if "ENV_VAR2" in c.path)
    assert env.desired == {"name": "ENV_VAR2", "value": "value2"}
    assert env.live is None


def test_every_testdata_file_is_covered() -> None:
    named = {p.name for p in TESTDATA.iterdir() if p.suffix in (".json", ".yaml")}
    covered = {f for pair in [*IN_SYNC, *DRIFT] for f in pair}
    covered |= {"elasticsearch-config.json", "secret-invalid-stringdata-config.yaml"}
    covered |= {"secret-invalid-stringdata-live.yaml"}  # used by the base64 comparison test
    for base, live in SERVER_SIDE:
        covered |= {f"{base}-config.yaml", live, f"{base}-predicted-live.json"}
    assert named - covered == set()


def test_inputs_are_not_mutated() -> None:
    config, live = load("smd-service-config.yaml"), load("smd-service-live-with-type.yaml")
    before = copy.deepcopy((config, live))
    diff_resource(config, live)
    assert (config, live) == before


def test_prediction_without_managed_fields_falls_back_to_declared_fields() -> None:
    predicted = load("ssd-deploy-nested-predicted-live.json")
    del predicted["metadata"]["managedFields"]
    predicted["metadata"].setdefault("labels", {})["injected"] = "by-webhook"
    drift = diff_resource(
        load("ssd-deploy-nested-config.yaml"),
        load("ssd-deploy-nested-live.yaml"),
        predicted_live=predicted,
    )
    assert {c.path for c in drift.changes} == SERVER_SIDE[
        ("ssd-deploy-nested", "ssd-deploy-nested-live.yaml")
    ]
