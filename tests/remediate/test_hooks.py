"""Which objects are Argo CD hooks, their phases and delete policies (gitops-engine's
hook package), Helm's annotations included."""

from __future__ import annotations

from typing import Any

from auditor.remediate.hooks import (
    delete_policies,
    hook_name,
    hook_phases,
    is_hook,
    is_skipped,
    not_compared,
)


def job(**annotations: str) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "j", "annotations": annotations}}  # fmt: skip


ARGO = "argocd.argoproj.io/hook"
HELM = "helm.sh/hook"


def test_argo_cd_hooks_and_their_phases() -> None:
    both = job(**{ARGO: "PreSync, PostSync"})
    assert is_hook(both) and hook_phases(both) == ["PreSync", "PostSync"]
    assert hook_phases(job(**{ARGO: "PostDelete"})) == []  # runs on app deletion only
    assert not is_hook(job()) and not not_compared(job())


def test_skip_is_not_a_hook_but_is_not_compared_either() -> None:
    skip = job(**{ARGO: "Skip"})
    assert is_skipped(skip) and not is_hook(skip) and not_compared(skip)
    assert hook_phases(skip) == []


def test_helm_hooks_map_to_argo_cd_phases_unless_argo_cd_s_annotation_is_there() -> None:
    assert hook_phases(job(**{HELM: "pre-install,pre-upgrade"})) == ["PreSync"]
    assert hook_phases(job(**{HELM: "post-upgrade"})) == ["PostSync"]
    test = job(**{HELM: "test"})  # Helm tests: a hook Argo CD never runs in a sync
    assert is_hook(test) and hook_phases(test) == []
    assert not is_hook(job(**{HELM: "crd-install"}))
    assert hook_phases(job(**{HELM: "pre-install", ARGO: "PostSync"})) == ["PostSync"]


def test_delete_policies_default_to_before_hook_creation() -> None:
    assert delete_policies(job(**{ARGO: "Sync"})) == ("BeforeHookCreation",)
    argo = job(**{"argocd.argoproj.io/hook-delete-policy": "HookSucceeded,HookFailed"})
    assert delete_policies(argo) == ("HookSucceeded", "HookFailed")
    helm = job(**{"helm.sh/hook-delete-policy": "hook-succeeded,before-hook-creation"})
    assert delete_policies(helm) == ("HookSucceeded", "BeforeHookCreation")


def test_generate_name_hooks_get_argo_cd_s_deterministic_name() -> None:
    unnamed = {"metadata": {"generateName": "Migrate-"}}
    name = hook_name(unnamed, revision="a1b2c3d4e5f6", phase="PreSync", started=1700000000)
    assert name == "migrate-a1b2c3d-presync-1700000000"
    assert hook_name(job(), revision="a1b2c3d4e5f6", phase="Sync", started=1) == "j"
