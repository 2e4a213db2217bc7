"""Attribution from managedFields, unmanaged changes, and the built-in exceptions."""

from __future__ import annotations

import copy
import json
from typing import Any

from auditor.diff import DiffOptions, diff_resource
from auditor.diff.managed import Ownership
from auditor.diff.paths import Field, key_of
from auditor.model import ResourceKey, ResourceStatus
from tests.helpers import argocd_diff as load

WEB = 'k:{"name":"web"}'
ARGO_TIME = "2024-05-01T10:00:00Z"
EDIT_TIME = "2024-05-02T08:30:00Z"


def entry(manager: str, fields: dict[str, Any], *, op: str = "Update", time: str = "") -> Any:
    return {
        "manager": manager,
        "operation": op,
        "apiVersion": "apps/v1",
        "time": time or ARGO_TIME,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }


def container_fields(**extra: Any) -> dict[str, Any]:
    return {"f:spec": {"f:template": {"f:spec": {"f:containers": {WEB: {".": {}, **extra}}}}}}


def desired() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "prod", "labels": {"app": "api"}},
        "spec": {
            "replicas": 3,
            "template": {"spec": {"containers": [{"name": "web", "image": "api:1"}]}},
        },
    }


def live_with(*entries: Any, **changes: Any) -> dict[str, Any]:
    live = desired()
    container = live["spec"]["template"]["spec"]["containers"][0]
    container.update(changes.pop("container", {}))
    live["spec"].update(changes)
    live["metadata"]["managedFields"] = list(entries)
    return live


ARGO = entry(
    "argocd-controller",
    {
        "f:metadata": {"f:labels": {"f:app": {}}},
        "f:spec": {
            "f:replicas": {},
            "f:template": {
                "f:spec": {"f:containers": {WEB: {".": {}, "f:image": {}, "f:name": {}}}}
            },
        },
    },
    op="Apply",
)


def test_changed_field_is_attributed_to_its_most_specific_owner() -> None:
    edit = entry("kubectl-edit", container_fields(**{"f:image": {}}), time=EDIT_TIME)
    live = live_with(ARGO, edit, container={"image": "api:hotfix"})
    (change,) = diff_resource(desired(), live).changes
    assert change.path == "spec.template.spec.containers[name=web].image"
    # Both entries list the field; the latest write wins the tie.
    assert (change.manager, change.time) == ("kubectl-edit", EDIT_TIME)


def test_scaled_replicas_are_attributed_to_kubectl_scale() -> None:
    scale = entry("kubectl-scale", {"f:spec": {"f:replicas": {}}}, time=EDIT_TIME)
    scale["subresource"] = "scale"
    argo_without_replicas = copy.deepcopy(ARGO)
    del argo_without_replicas["fieldsV1"]["f:spec"]["f:replicas"]
    (change,) = diff_resource(
        desired(), live_with(argo_without_replicas, scale, replicas=8)
    ).changes
    assert (change.path, change.desired, change.live) == ("spec.replicas", 3, 8)
    assert (change.manager, change.time) == ("kubectl-scale", EDIT_TIME)


def test_no_managed_fields_means_empty_attribution() -> None:
    live = live_with(replicas=9)
    del live["metadata"]["managedFields"]
    (change,) = diff_resource(desired(), live).changes
    assert (change.manager, change.time) == ("", "")


def test_unmanaged_env_entry_is_reported_whole() -> None:
    debug = {"name": "DEBUG", "value": "1"}
    edit_fields = container_fields(
        **{"f:env": {".": {}, 'k:{"name":"DEBUG"}': {".": {}, "f:name": {}, "f:value": {}}}}
    )
    live = live_with(
        ARGO, entry("kubectl-edit", edit_fields, time=EDIT_TIME), container={"env": [debug]}
    )
    drift = diff_resource(desired(), live)
    assert drift.status == ResourceStatus.SYNCED
    assert drift.changes == ()
    assert [(u.path, u.live, u.manager, u.time) for u in drift.unmanaged] == [
        (
            "spec.template.spec.containers[name=web].env[name=DEBUG]",
            debug,
            "kubectl-edit",
            EDIT_TIME,
        )
    ]
    assert drift.diff == ""


def test_unmanaged_host_path_volume_and_label() -> None:
    volume = {"name": "host", "hostPath": {"path": "/"}}
    patch = entry(
        "kubectl-patch",
        {
            "f:spec": {
                "f:template": {
                    "f:spec": {
                        "f:volumes": {
                            'k:{"name":"host"}': {
                                ".": {},
                                "f:hostPath": {"f:path": {}},
                                "f:name": {},
                            }
                        }
                    }
                }
            }
        },
    )
    label = entry("kubectl-label", {"f:metadata": {"f:labels": {"f:owner": {}}}})
    live = live_with(ARGO, patch, label)
    live["spec"]["template"]["spec"]["volumes"] = [volume]
    live["metadata"]["labels"]["owner"] = "bob"
    found = {(u.path, u.manager) for u in diff_resource(desired(), live).unmanaged}
    assert found == {
        ("spec.template.spec.volumes[name=host]", "kubectl-patch"),
        ("metadata.labels.owner", "kubectl-label"),
    }


def test_a_map_filled_field_by_field_is_reported_per_field() -> None:
    """Labels added to an object that has none in Git: one finding per label, as when the
    object already had labels (one finding is always one field)."""
    bare = desired()
    del bare["metadata"]["labels"]
    argo = entry("argocd-controller", {"f:spec": {"f:replicas": {}}}, op="Apply")
    label = entry(
        "kubectl-label",
        {"f:metadata": {"f:labels": {".": {}, "f:owner": {}, "f:team": {}}}},
        time=EDIT_TIME,
    )
    live = copy.deepcopy(bare)
    live["metadata"]["labels"] = {"owner": "bob", "team": "search"}
    live["metadata"]["managedFields"] = [argo, label]
    found = {(u.path, u.live, u.manager, u.time) for u in diff_resource(bare, live).unmanaged}
    assert found == {
        ("metadata.labels.owner", "bob", "kubectl-label", EDIT_TIME),
        ("metadata.labels.team", "search", "kubectl-label", EDIT_TIME),
    }


def test_a_struct_added_by_hand_is_reported_per_field() -> None:
    edit = entry(
        "kubectl-edit",
        container_fields(**{"f:securityContext": {".": {}, "f:runAsUser": {}, "f:privileged": {}}}),
        time=EDIT_TIME,
    )
    live = live_with(
        ARGO, edit, container={"securityContext": {"runAsUser": 0, "privileged": True}}
    )
    found = {u.path for u in diff_resource(desired(), live).unmanaged}
    base = "spec.template.spec.containers[name=web].securityContext"
    assert found == {f"{base}.runAsUser", f"{base}.privileged"}


def test_a_value_owned_whole_is_reported_whole() -> None:
    # An atomic value (owned as one leaf) stays one finding, as a list entry does.
    edit = entry("kubectl-edit", container_fields(**{"f:args": {}}), time=EDIT_TIME)
    live = live_with(ARGO, edit, container={"args": ["--debug", "--verbose"]})
    found = {(u.path, tuple(u.live)) for u in diff_resource(desired(), live).unmanaged}
    assert found == {("spec.template.spec.containers[name=web].args", ("--debug", "--verbose"))}


def test_controller_written_fields_are_not_unmanaged() -> None:
    controller = entry(
        "kube-controller-manager",
        {"f:metadata": {"f:annotations": {".": {}, "f:deployment.kubernetes.io/revision": {}}}},
    )
    live = live_with(ARGO, controller)
    live["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "4"}
    live["spec"]["progressDeadlineSeconds"] = 600  # a default nobody owns
    drift = diff_resource(desired(), live)
    assert drift.unmanaged == ()
    assert drift.status == ResourceStatus.SYNCED


def test_unmanaged_is_drift_when_strict() -> None:
    label = entry("kubectl-label", {"f:metadata": {"f:labels": {"f:owner": {}}}})
    live = live_with(ARGO, label)
    live["metadata"]["labels"]["owner"] = "bob"
    relaxed = diff_resource(desired(), live)
    assert relaxed.status == ResourceStatus.SYNCED and len(relaxed.unmanaged) == 1
    strict = diff_resource(desired(), live, options=DiffOptions(strict=True))
    assert strict.status == ResourceStatus.OUT_OF_SYNC
    assert strict.changes == ()
    assert "-    owner: bob" in strict.diff


def test_custom_controller_allowlist() -> None:
    label = entry("my-operator", {"f:metadata": {"f:labels": {"f:owner": {}}}})
    live = live_with(ARGO, label)
    live["metadata"]["labels"]["owner"] = "op"
    assert len(diff_resource(desired(), live).unmanaged) == 1
    allow = DiffOptions(controller_managers=frozenset({"my-operator"}))
    assert diff_resource(desired(), live, options=allow).unmanaged == ()


def test_mixed_ownership_reports_only_the_human_part() -> None:
    fields = container_fields(**{"f:securityContext": {"f:privileged": {}}})
    ctrl = entry(
        "istio-sidecar-injector", container_fields(**{"f:securityContext": {"f:runAsUser": {}}})
    )
    live = live_with(ARGO, entry("kubectl-edit", fields, time=EDIT_TIME), ctrl)
    live["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {
        "privileged": True,
        "runAsUser": 1337,
    }
    assert [(u.path, u.live, u.manager) for u in diff_resource(desired(), live).unmanaged] == [
        ("spec.template.spec.containers[name=web].securityContext.privileged", True, "kubectl-edit")
    ]


def test_real_managed_fields_attribute_drift() -> None:
    drift = diff_resource(load("smd-service-config.yaml"), load("smd-service-live-with-type.yaml"))
    by_path = {c.path: c for c in drift.changes}
    port = by_path["spec.ports[port=1935,protocol=TCP].targetPort"]
    assert (port.manager, port.time) == ("argocd-controller", "2022-06-30T16:28:09Z")
    # kubectl's create recorded server defaults: they are not reported as unmanaged.
    assert drift.unmanaged == ()


def test_real_managed_fields_show_a_hand_applied_container() -> None:
    drift = diff_resource(
        load("ssd-deploy-with-manual-apply-config.yaml"),
        load("ssd-deploy-with-manual-apply-live.yaml"),
    )
    assert [(u.path, u.manager, u.time) for u in drift.unmanaged] == [
        (
            "spec.template.spec.containers[name=idle]",
            "kubectl-client-side-apply",
            "2025-02-25T01:29:34Z",
        )
    ]


def test_ownership_queries() -> None:
    own = Ownership.of(live_with(ARGO, entry("kubectl-edit", container_fields(**{"f:env": {}}))))
    web = (
        Field("spec"),
        Field("template"),
        Field("spec"),
        Field("containers"),
        key_of({"name": "web"}, ["name"]),
    )
    assert own.managers((*web, Field("env"), Field("x"))) == {"kubectl-edit"}
    assert own.managers(web) == {"argocd-controller", "kubectl-edit"}
    assert own.applied((*web, Field("image")), frozenset({"argocd-controller"}))
    assert not own.applied((*web, Field("env")), frozenset({"argocd-controller"}))
    assert own.owner((Field("nothing"),)).manager == ""


def hpa_case() -> tuple[dict[str, Any], dict[str, Any], ResourceKey]:
    hpa = entry("kube-controller-manager", {"f:spec": {"f:replicas": {}}}, time=EDIT_TIME)
    hpa["subresource"] = "scale"
    live = live_with(ARGO, hpa, replicas=7)
    return desired(), live, ResourceKey("apps", "Deployment", "prod", "api")


def test_hpa_target_replicas_are_not_drift() -> None:
    d, live, key = hpa_case()
    assert [c.path for c in diff_resource(d, live).changes] == ["spec.replicas"]
    options = DiffOptions(hpa_targets=frozenset({key}))
    assert diff_resource(d, live, options=options).status == ResourceStatus.SYNCED
    off = DiffOptions(hpa_targets=frozenset({key}), builtin_exceptions=False)
    assert [c.path for c in diff_resource(d, live, options=off).changes] == ["spec.replicas"]


def test_replicas_scaled_by_a_human_are_drift_even_with_an_hpa() -> None:
    d, _, key = hpa_case()
    scaled = entry("kubectl-scale", {"f:spec": {"f:replicas": {}}}, time=EDIT_TIME)
    scaled["subresource"] = "scale"
    live = live_with(ARGO, scaled, replicas=9)
    drift = diff_resource(d, live, options=DiffOptions(hpa_targets=frozenset({key})))
    assert [(c.path, c.live, c.manager) for c in drift.changes] == [
        ("spec.replicas", 9, "kubectl-scale")
    ]


def test_ca_bundle_injected_into_a_webhook_is_not_drift_or_unmanaged() -> None:
    config = load("mutatingwebhookconfig-config.json")
    live = load("mutatingwebhookconfig-live.json")
    live["metadata"]["managedFields"] = [
        entry(
            "cainjector-by-hand",
            {
                "f:webhooks": {
                    'k:{"name":"webhook.cert-manager.io"}': {"f:clientConfig": {"f:caBundle": {}}}
                }
            },
        )
    ]
    on = diff_resource(config, live)
    assert on.status == ResourceStatus.SYNCED and on.unmanaged == ()
    off = diff_resource(config, live, options=DiffOptions(builtin_exceptions=False))
    assert [u.path for u in off.unmanaged] == [
        "webhooks[name=webhook.cert-manager.io].clientConfig.caBundle"
    ]
    # When Git sets the bundle, a different live value is drift again.
    config["webhooks"][0]["clientConfig"]["caBundle"] = "Zm9v"
    changed = diff_resource(config, live)
    assert [c.path for c in changed.changes] == [
        "webhooks[name=webhook.cert-manager.io].clientConfig.caBundle"
    ]


def test_ca_bundle_of_api_service_and_crd_conversion() -> None:
    api = {
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": {"name": "v1beta1.metrics.k8s.io"},
        "spec": {"group": "metrics.k8s.io", "version": "v1beta1"},
    }
    api_live = copy.deepcopy(api)
    api_live["spec"]["caBundle"] = "Y2E="
    with_bundle_in_la = copy.deepcopy(api_live)
    with_bundle_in_la["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"spec": {"caBundle": "Y2E="}}'
    }
    assert diff_resource(api, with_bundle_in_la).status == ResourceStatus.SYNCED
    off = DiffOptions(builtin_exceptions=False)
    assert diff_resource(api, with_bundle_in_la, options=off).status == ResourceStatus.OUT_OF_SYNC
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "foos.x.io"},
        "spec": {
            "conversion": {"strategy": "Webhook", "webhook": {"clientConfig": {"url": "https://x"}}}
        },
    }
    crd_live = copy.deepcopy(crd)
    crd_live["spec"]["conversion"]["webhook"]["clientConfig"]["caBundle"] = "Y2E="
    crd_live["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
            {"spec": {"conversion": {"webhook": {"clientConfig": {"caBundle": "Y2E="}}}}}
        )
    }
    assert diff_resource(crd, crd_live).status == ResourceStatus.SYNCED
    assert diff_resource(crd, crd_live, options=off).status == ResourceStatus.OUT_OF_SYNC
