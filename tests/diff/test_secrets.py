"""Secret values never appear: changes, unmanaged changes, diff text; stringData vs data."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from auditor.diff import diff_resource
from auditor.diff.secrets import mask, mask_object, use_key
from auditor.model import ResourceStatus

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def secret(**body: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "prod"},
        **body,
    }


def everything(drift: Any) -> str:
    return json.dumps(
        [[c.path, c.desired, c.live] for c in drift.changes]
        + [[u.path, u.live] for u in drift.unmanaged]
        + [drift.diff]
    )


def test_string_data_matches_base64_data() -> None:
    drift = diff_resource(
        secret(stringData={"password": "hunter2"}), secret(data={"password": b64("hunter2")})
    )
    assert drift.status == ResourceStatus.SYNCED


def test_changed_value_is_masked_everywhere_with_distinct_hashes() -> None:
    drift = diff_resource(
        secret(stringData={"password": "hunter2"}), secret(data={"password": b64("oldpass")})
    )
    (change,) = drift.changes
    assert change.path == "data.password"
    assert change.desired == mask(b64("hunter2"))
    assert change.live == mask(b64("oldpass"))
    assert change.desired != change.live
    assert change.desired.startswith("<secret sha256:") and len(change.desired) == len(
        "<secret sha256:12345678>"
    )
    text = everything(drift)
    for raw in ("hunter2", "oldpass", b64("hunter2"), b64("oldpass")):
        assert raw not in text
    assert change.desired in drift.diff and change.live in drift.diff


def test_missing_key_and_removed_key_are_masked() -> None:
    live = secret(data={"old": b64("o-value")})
    live["metadata"]["annotations"] = {
        LAST_APPLIED: json.dumps(secret(data={"old": b64("o-value")}))
    }
    drift = diff_resource(secret(data={"new": b64("n-value")}), live)
    assert {c.path for c in drift.changes} == {"data.new", "data.old"}
    text = everything(drift)
    assert b64("o-value") not in text and b64("n-value") not in text


def test_unmanaged_secret_value_is_masked() -> None:
    live = secret(data={"password": b64("p"), "token": b64("t0ps3cret")})
    live["metadata"]["managedFields"] = [
        {
            "manager": "kubectl-edit",
            "operation": "Update",
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:token": {}}},
        }
    ]
    drift = diff_resource(secret(data={"password": b64("p")}), live)
    (unmanaged,) = drift.unmanaged
    assert unmanaged.path == "data.token" and unmanaged.manager == "kubectl-edit"
    assert unmanaged.live == mask(b64("t0ps3cret"))
    assert b64("t0ps3cret") not in everything(drift)


def test_whole_data_map_is_masked_per_value() -> None:
    drift = diff_resource(secret(data={"a": b64("x")}), secret())
    (change,) = drift.changes
    assert change.path == "data"
    assert change.desired == {"a": mask(b64("x"))}


def test_missing_and_extra_secret_diffs_are_masked() -> None:
    body = secret(stringData={"k": "plaintext"})
    body["metadata"]["annotations"] = {LAST_APPLIED: json.dumps(body)}
    for drift in (diff_resource(body, None), diff_resource(None, body)):
        assert "plaintext" not in drift.diff and b64("plaintext") not in drift.diff
        assert mask(b64("plaintext")) in drift.diff


def test_last_applied_annotation_of_a_secret_is_masked() -> None:
    applied = json.dumps(secret(data={"k": b64("v")}))
    masked = mask_object(secret(metadata={"name": "s", "annotations": {LAST_APPLIED: applied}}))
    assert masked["metadata"]["annotations"][LAST_APPLIED] == mask(applied)


def test_same_value_masks_the_same_and_non_secrets_are_not_masked() -> None:
    assert mask("abc") == mask("abc") != mask("abd")
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    (change,) = diff_resource({**cm, "data": {"a": "1"}}, {**cm, "data": {"a": "2"}}).changes
    assert (change.desired, change.live) == ("1", "2")


def test_the_mask_is_keyed_per_install_and_stable(tmp_path: Path) -> None:
    from auditor.pipeline.core import mask_key

    key = mask_key(tmp_path / "cache", env={})
    assert key == mask_key(tmp_path / "cache", env={})  # kept: masks stay the same
    assert (tmp_path / "cache" / "mask.key").stat().st_mode & 0o077 == 0
    assert mask_key(tmp_path / "other", env={}) != key
    assert mask_key(tmp_path / "x", env={"GITOPS_AUDITOR_MASK_KEY": "k1"}) == b"k1"
    try:
        use_key(key)
        first = mask("hunter2")
        use_key(b"another install")
        assert mask("hunter2") != first
        # A reader of a report cannot check a guess with a plain hash.
        assert hashlib.sha256(b"hunter2").hexdigest()[:8] not in first
    finally:
        use_key(b"")


def test_an_annotation_embedding_a_secret_is_masked_on_any_object() -> None:
    embedded = json.dumps(secret(data={"k": b64("topsecret")}))
    sealed = {
        "apiVersion": "bitnami.com/v1alpha1",
        "kind": "SealedSecret",
        "metadata": {"name": "db", "namespace": "prod", "annotations": {"x.io/copy": embedded}},
    }
    changed = {**sealed, "metadata": {**sealed["metadata"], "annotations": {"x.io/copy": "{}"}}}
    for drift in (diff_resource(sealed, None), diff_resource(changed, sealed)):
        assert b64("topsecret") not in everything(drift)
        assert mask(embedded) in everything(drift)


def test_string_data_is_compared_as_data_in_server_side_diff() -> None:
    desired = secret(stringData={"password": "from-git"})
    owned = [
        {
            "manager": "gitops-auditor",
            "operation": "Apply",
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:stringData": {"f:password": {}}},
        }
    ]
    live = secret(data={"password": b64("changed-live")})
    live["metadata"]["managedFields"] = owned
    predicted = secret(data={"password": b64("from-git")})
    predicted["metadata"]["managedFields"] = owned
    drift = diff_resource(desired, live, predicted_live=predicted)
    assert drift.status == ResourceStatus.OUT_OF_SYNC
    assert [c.path for c in drift.changes] == ["data.password"]
    assert "from-git" not in everything(drift) and "changed-live" not in everything(drift)


def test_check_manifest_diff_masks_the_last_applied_configuration() -> None:
    from auditor.model import Resource
    from auditor.report.policy.manifest_diff import manifest_diff

    base = secret(data={"k": b64("old")})
    head = secret(data={"k": b64("new")})
    head["metadata"]["annotations"] = {LAST_APPLIED: json.dumps(head)}
    text = manifest_diff([Resource.of(base)], [Resource.of(head)], app="db")
    assert b64("new") not in text and b64("old") not in text
    assert mask(b64("new")) in text and mask(b64("old")) in text  # the edit shows
