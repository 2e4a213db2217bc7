"""Object lifecycles: deletion (finalizers, deletionTimestamp, propagation to dependents,
namespace contents, a CRD's custom resources) and reactions after a write (CRD kinds
appear, new namespaces get their `default` ServiceAccount and root CA ConfigMap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditor.kubesim import controllers, errors
from auditor.kubesim.objects import at_version, clone, meta
from auditor.kubesim.resources import ResourceType

if TYPE_CHECKING:
    from auditor.kubesim.cluster import Cluster

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_ROOT_CA = "-----BEGIN CERTIFICATE-----\nkubesim simulated cluster CA\n-----END CERTIFICATE-----\n"


def _status(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    m = obj["metadata"]
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": m["name"], "group": rt.group, "kind": rt.plural, "uid": m.get("uid")},
    }


def delete(
    cluster: Cluster,
    rt: ResourceType,
    ns: str,
    name: str,
    *,
    version: str,
    dry_run: bool = False,
    propagation: str = "Background",
    preconditions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """DELETE of one object; returns the object (still finalizing) or a success Status."""
    with cluster.store.lock:
        obj = cluster.get(rt, ns, name)
        m = obj["metadata"]
        for key, field in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            want = (preconditions or {}).get(key)
            if want and want != m.get(key):
                raise errors.conflict(
                    rt.group,
                    rt.plural,
                    name,
                    f"Precondition failed: {field} in precondition: {want}, "
                    f"{field} in object meta: {m.get(key)}",
                )
        if rt.kind == "Namespace" and not rt.group:
            return _delete_namespace(cluster, rt, obj, version=version, dry_run=dry_run)
        if m.get("finalizers") or m.get("deletionTimestamp"):
            if m.get("deletionTimestamp"):
                return at_version(rt, obj, version)
            marked = clone(obj)
            meta(marked)["deletionTimestamp"] = cluster.now()
            meta(marked)["deletionGracePeriodSeconds"] = 0
            if not dry_run:
                _store(cluster, rt, marked)
            return at_version(rt, marked, version)
        if dry_run:
            return _status(rt, obj)
        _remove(cluster, rt, obj, propagation=propagation)
        return _status(rt, obj)


def finalize(
    cluster: Cluster, rt: ResourceType, obj: dict[str, Any], *, dry_run: bool
) -> dict[str, Any]:
    """The last finalizer of a deleting object is gone: it disappears."""
    if not dry_run:
        _remove(cluster, rt, obj, propagation="Background")
    return obj


def _store(cluster: Cluster, rt: ResourceType, obj: dict[str, Any]) -> None:
    rv = cluster.store.next_rv()
    meta(obj)["resourceVersion"] = str(rv)
    cluster.store.put((rt.group, rt.plural), obj, event="MODIFIED", rv=rv)


def _remove(cluster: Cluster, rt: ResourceType, obj: dict[str, Any], *, propagation: str) -> None:
    rv = cluster.store.next_rv()
    gone = clone(obj)
    meta(gone)["resourceVersion"] = str(rv)
    cluster.store.remove((rt.group, rt.plural), gone, rv=rv)
    uid = obj["metadata"].get("uid")
    if rt.kind == "CustomResourceDefinition" and rt.group == "apiextensions.k8s.io":
        spec = obj.get("spec") or {}
        custom = cluster.registry.by_plural(
            spec.get("group", ""), spec.get("names", {}).get("plural", "")
        )
        if custom is not None:
            for stored in cluster.store.items((custom.group, custom.plural)):
                _remove(cluster, custom, stored.obj, propagation="Background")
            cluster.registry.remove_crd(custom.group, custom.plural)
    if uid:
        _dependents(cluster, uid, orphan=propagation == "Orphan")
    _maybe_finish_namespace(cluster, obj)


def _dependents(cluster: Cluster, uid: str, *, orphan: bool) -> None:
    for (group, plural), obj in list(cluster.store.all_objects()):
        refs = (obj.get("metadata") or {}).get("ownerReferences") or []
        if not any(r.get("uid") == uid for r in refs):
            continue
        dep_rt = cluster.registry.by_plural(group, plural)
        if dep_rt is None:
            continue
        if orphan:
            kept = clone(obj)
            meta(kept)["ownerReferences"] = [r for r in refs if r.get("uid") != uid]
            if not meta(kept)["ownerReferences"]:
                del meta(kept)["ownerReferences"]
            _store(cluster, dep_rt, kept)
        else:
            _remove(cluster, dep_rt, obj, propagation="Background")


def _delete_namespace(
    cluster: Cluster, rt: ResourceType, ns_obj: dict[str, Any], *, version: str, dry_run: bool
) -> dict[str, Any]:
    terminating = clone(ns_obj)
    if not meta(terminating).get("deletionTimestamp"):
        meta(terminating)["deletionTimestamp"] = cluster.now()
        meta(terminating)["deletionGracePeriodSeconds"] = 0
    terminating.setdefault("status", {})["phase"] = "Terminating"
    if dry_run:
        return at_version(rt, terminating, version)
    _store(cluster, rt, terminating)
    name = ns_obj["metadata"]["name"]
    for res in cluster.store.resources():
        content_rt = cluster.registry.by_plural(*res)
        if content_rt is None or not content_rt.namespaced:
            continue
        for stored in cluster.store.items(res, name):
            try:
                delete(
                    cluster,
                    content_rt,
                    name,
                    stored.obj["metadata"]["name"],
                    version=content_rt.version,
                )
            except errors.ApiError:
                continue
    current = cluster.store.get(("", "namespaces"), "", name) or terminating
    _maybe_finish_namespace(cluster, {"metadata": {"namespace": name}})
    return at_version(rt, current, version)


def _maybe_finish_namespace(cluster: Cluster, obj: dict[str, Any]) -> None:
    ns = (obj.get("metadata") or {}).get("namespace")
    if not ns:
        return
    ns_obj = cluster.store.get(("", "namespaces"), "", ns)
    if ns_obj is None or not ns_obj["metadata"].get("deletionTimestamp"):
        return
    for res in cluster.store.resources():
        rt = cluster.registry.by_plural(*res)
        if rt is not None and rt.namespaced and cluster.store.items(res, ns):
            return
    ns_rt = cluster.registry.by_plural("", "namespaces")
    assert ns_rt is not None
    _remove(cluster, ns_rt, ns_obj, propagation="Background")


def after_write(
    cluster: Cluster, rt: ResourceType, old: dict[str, Any] | None, new: dict[str, Any]
) -> None:
    """React to a stored write: CRD kinds, namespace bootstrap, instant controllers."""
    if rt.kind == "CustomResourceDefinition" and rt.group == "apiextensions.k8s.io":
        cluster.registry.add_crd(new)
    if rt.kind == "Namespace" and not rt.group and old is None:
        _bootstrap_namespace(cluster, new["metadata"]["name"])
    if cluster.controllers:
        controllers.react(cluster, rt, new)


def _bootstrap_namespace(cluster: Cluster, ns: str) -> None:
    from auditor.kubesim.cluster import WriteOptions

    opts = WriteOptions(manager="kube-controller-manager")
    sa = cluster.registry.by_plural("", "serviceaccounts")
    cm = cluster.registry.by_plural("", "configmaps")
    assert sa is not None and cm is not None
    if cluster.store.get(("", "serviceaccounts"), ns, "default") is None:
        cluster.create(sa, "v1", ns, {"metadata": {"name": "default"}}, opts)
    if cluster.store.get(("", "configmaps"), ns, "kube-root-ca.crt") is None:
        body = {
            "metadata": {
                "name": "kube-root-ca.crt",
                "annotations": {
                    "kubernetes.io/description": "Contains a CA bundle that can be used to verify "
                    "the kube-apiserver when using internal endpoints such as the internal "
                    "service IP or kubernetes.default.svc. No other usage is guaranteed across "
                    "distributions of Kubernetes clusters."
                },
            },
            "data": {"ca.crt": _ROOT_CA},
        }
        cluster.create(cm, "v1", ns, body, opts)
