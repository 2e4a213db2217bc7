"""AppProject rules end to end: an app outside its project's sourceRepos, or rendering a
cluster-scoped kind the project does not whitelist, is Unknown with Argo CD's reason in
`audit`, refused by `sync`, and a deny naming the project rule in `check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.model import SyncStatus
from auditor.pipeline.check import check
from tests.helpers.cluster import REPO_URL, application, one_cluster

pytestmark = pytest.mark.slow  # starts a simulated cluster


def team_a(name: str, repo: str = REPO_URL) -> str:
    return application(
        name, repo=repo, project="team-a", namespace="team-a", create_namespace=False
    )


FILES = {
    "projects/team-a.yaml": """
        apiVersion: argoproj.io/v1alpha1
        kind: AppProject
        metadata: {name: team-a}
        spec:
          sourceRepos: [https://git.example.com/deploy.git]
          destinations: [{server: https://kubernetes.default.svc, namespace: team-a}]
          clusterResourceWhitelist: [{group: "", kind: Namespace}]
        """,
    "apps/fine.yaml": team_a("fine"),
    "apps/rbac.yaml": team_a("rbac"),
    "apps/forked.yaml": team_a("forked", repo="https://github.com/someone/fork.git"),
    "fine/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\ndata: {a: b}\n",
    "rbac/role.yaml": (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
        "metadata: {name: reader}\nrules: []\n"
    ),
    "forked/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: forked}\n",
}
ROLE = "resource rbac.authorization.k8s.io:ClusterRole is not permitted in project team-a"
FORK = "application repo https://github.com/someone/fork.git is not permitted in project 'team-a'"


def test_project_rules_in_audit_sync_and_check(tmp_path: Path) -> None:
    with one_cluster(tmp_path, FILES) as world:
        world.run("create", "namespace", "team-a")
        assert world.sync("fine").done
        assert world.audit("fine").sync == SyncStatus.SYNCED

        rbac = world.audit("rbac")
        assert rbac.sync == SyncStatus.UNKNOWN and rbac.error == ROLE
        forked = world.audit("forked")
        assert forked.sync == SyncStatus.UNKNOWN and forked.error == FORK

        refused = world.sync("rbac")
        assert not refused.done and refused.blocked_by is not None
        assert ROLE in refused.blocked_by
        assert world.run("get", "clusterrole", "reader", check=False) == ""

        report = check(world.pipeline, repo=str(world.repo))
        denies = {
            (a.name, v.policy, v.message)
            for a in report.apps
            for v in a.violations
            if v.severity == "deny"
        }
        assert ("rbac", "argocd/app-project",
                f"{ROLE} (AppProject team-a, clusterResourceWhitelist)") in denies  # fmt: skip
        assert (
            "forked",
            "argocd/app-project",
            f"{FORK} (AppProject team-a, sourceRepos)",
        ) in denies
        assert not any(name == "fine" for name, _, _ in denies)
