"""The remediation steps of `gitops-auditor demo`, after its audit: heal two apps (a
manual sync, as a person running `sync --app` would) and propose another app's live
change as a pull request against a local bare clone of the demo repo, on a local
stand-in for GitHub's API (clearly labelled: there is no GitHub here).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from auditor.demo.tour import DemoWorld
from auditor.forge.github import GitHubForge
from auditor.forge.standin import forge_standin
from auditor.model import SyncResult, SyncStatus

HEALED = ("billing", "my-api-production")
ADOPTED = "another-service-dev"
STAND_IN = "local stand-in for the GitHub API (not GitHub)"


@dataclass(frozen=True)
class HealDemo:
    """The syncs run, and each healed app's status in the audit that follows."""

    results: tuple[SyncResult, ...]
    after: dict[str, SyncStatus]


@dataclass(frozen=True)
class PrDemo:
    branch: str
    url: str
    remote: str
    label: str = STAND_IN


def heal_demo(world: DemoWorld) -> HealDemo:
    """Heal `billing` and `my-api-production`, then audit them again."""
    results = [world.service.sync(name, **world.target) for name in HEALED]
    report = world.service.audit(apps=HEALED, **world.target).report
    return HealDemo(results=tuple(results), after={a.name: a.sync for a in report.apps})


def pr_demo(world: DemoWorld) -> PrDemo:
    """Adopt `another-service-dev`'s live change into a PR (branch pushed to a local bare
    clone of the demo repo; the PR opened on a local GitHub stand-in)."""
    remote = world.repo.parent / "k8s-deployments-remote.git"
    if not remote.exists():
        subprocess.run(
            ["git", "clone", "--bare", "-q", str(world.repo), str(remote)],
            check=True,
            capture_output=True,
        )
    with forge_standin("mycompany/k8s-deployments") as stand_in:
        forge = GitHubForge(repo="mycompany/k8s-deployments", token="demo", base_url=stand_in.url)
        result = world.service.adopt(
            ADOPTED, remote=str(remote), base_branch="main", forge=forge, **world.target
        )
    return PrDemo(
        branch=result.branch,
        url=result.pr_url or f"(no PR: {result.error})",
        remote=str(remote),
    )
