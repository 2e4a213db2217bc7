"""Argo CD resource hooks (gitops-engine's `pkg/sync/hook`), pure: which objects are hooks,
the sync phases they run in, their delete policies, and the name a `generateName` hook
gets. Helm's hook annotations count when there is no Argo CD one, mapped as Argo CD maps
them (pre-install/pre-upgrade: PreSync, post-install/post-upgrade: PostSync).

Hooks (and `Skip` objects) are never part of the comparison: never Missing, Extra,
pruned or healed; `sync` runs them in their phase.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

HOOK = "argocd.argoproj.io/hook"
HOOK_DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"
HELM_HOOK = "helm.sh/hook"
HELM_DELETE_POLICY = "helm.sh/hook-delete-policy"

PRE_SYNC, SYNC, POST_SYNC, SYNC_FAIL = "PreSync", "Sync", "PostSync", "SyncFail"
PHASES = (PRE_SYNC, SYNC, POST_SYNC, SYNC_FAIL)  # the order a sync runs them in
HOOK_TYPES = (*PHASES, "PostDelete", "Skip")
HELM_TYPES = {
    "pre-install": PRE_SYNC,
    "pre-upgrade": PRE_SYNC,
    "post-install": POST_SYNC,
    "post-upgrade": POST_SYNC,
}
BEFORE_HOOK_CREATION, HOOK_SUCCEEDED, HOOK_FAILED = (
    "BeforeHookCreation",
    "HookSucceeded",
    "HookFailed",
)
HELM_DELETE_POLICIES = {
    "before-hook-creation": BEFORE_HOOK_CREATION,
    "hook-succeeded": HOOK_SUCCEEDED,
    "hook-failed": HOOK_FAILED,
}


def _annotations(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return (obj.get("metadata") or {}).get("annotations") or {}


def _csv(obj: Mapping[str, Any], key: str) -> list[str]:
    return [p.strip() for p in str(_annotations(obj).get(key) or "").split(",") if p.strip()]


def hook_types(obj: Mapping[str, Any]) -> list[str]:
    """The Argo CD hook types of an object; Helm's are used only without Argo CD's."""
    found = [t for t in _csv(obj, HOOK) if t in HOOK_TYPES]
    if not found:
        found = [HELM_TYPES[t] for t in _csv(obj, HELM_HOOK) if t in HELM_TYPES]
    return found


def is_skipped(obj: Mapping[str, Any]) -> bool:
    """`argocd.argoproj.io/hook: Skip` alone: never applied, never compared."""
    return hook_types(obj) == ["Skip"]


def is_hook(obj: Mapping[str, Any]) -> bool:
    """An Argo CD or Helm hook (Helm's `crd-install` marks CRDs, not hooks)."""
    annotations = _annotations(obj)
    if HOOK in annotations:
        return not is_skipped(obj)
    helm = annotations.get(HELM_HOOK)
    return helm is not None and str(helm).strip() != "crd-install"


def not_compared(obj: Mapping[str, Any]) -> bool:
    """Hooks and `Skip` objects are outside the comparison (and pruning, and healing)."""
    return is_hook(obj) or is_skipped(obj)


def hook_phases(obj: Mapping[str, Any]) -> list[str]:
    """The sync phases a hook runs in, in run order (none for PostDelete or Helm tests)."""
    types = set(hook_types(obj))
    return [p for p in PHASES if p in types]


def delete_policies(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """Argo CD's and Helm's delete policies; BeforeHookCreation when none is given."""
    found = [p for p in _csv(obj, HOOK_DELETE_POLICY) if p in HELM_DELETE_POLICIES.values()]
    found += [
        HELM_DELETE_POLICIES[p] for p in _csv(obj, HELM_DELETE_POLICY) if p in HELM_DELETE_POLICIES
    ]
    return tuple(dict.fromkeys(found)) or (BEFORE_HOOK_CREATION,)


def hook_name(obj: Mapping[str, Any], *, revision: str, phase: str, started: int) -> str:
    """The hook's name: its own, or for `generateName` Argo CD's deterministic one,
    `<generateName><revision[:7]>-<phase>-<sync start, unix seconds>` in lower case."""
    meta = obj.get("metadata") or {}
    if meta.get("name"):
        return str(meta["name"])
    short = revision[:7] if len(revision) >= 8 else revision
    return f"{meta.get('generateName') or ''}{short}-{phase}-{started}".lower()
