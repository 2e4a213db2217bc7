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
    assert "12 apps discovered, no config needed" in out
    summary = out.split("rendered as Argo CD would")[1].split("== Desired state of")[0]
    rows = {line.split()[0]: line for line in summary.strip().splitlines()[1:]}
    assert len(rows) == 12
    assert "1 PodDisruptionBudget" in rows["my-api-production"]
    assert "4 Application, 3 ApplicationSet" in rows["root"]
    assert "replicas: 5" in out and "myregistry.com/my-api:v1.4.2" in out
    assert proc.stderr == ""
