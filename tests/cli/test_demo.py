"""`demo`, the README's main command, as a new user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_demo_tours_the_example_repo() -> None:
    exe = Path(sys.executable).parent / "gitops-auditor"
    proc = subprocess.run([str(exe), "demo"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "15 apps discovered, as Argo CD would, no config" in out
    assert "Synced 15 apps with kubectl apply --server-side" in out
    assert "  15 Synced\n  No false drift" in out
    audit = out.split("== gitops-auditor audit")[1]
    rows = {line.split()[0]: line.split() for line in audit.strip().splitlines()[1:16]}
    assert rows["billing"][3] == "OutOfSync"
    assert rows["my-api-staging"][3] == "Synced"
    assert "1 Missing, 1 Extra" in " ".join(rows["my-api-dev"])
    assert "myregistry.com/my-api:v1.4.3-hotfix   kubectl-set" in audit
    assert "metadata.labels.owner (unmanaged)" in audit
    assert "API requests" in audit
    assert "== gitops-auditor sync: heal billing and my-api-production" in out
    assert "audit after the heal: billing Synced, my-api-production Synced" in out
    assert "branch gitops-auditor/adopt-another-service-dev-" in out
    assert "/mycompany/k8s-deployments/pull/1 (on a local stand-in for the GitHub API" in out
    assert proc.stderr == ""
