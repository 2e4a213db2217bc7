"""`gitops-auditor kubesim` as a process: kubeconfig output, `--load` of a dump served as
given, and `--state` persisting objects across a restart."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import pytest
import yaml

from auditor.cli.kubesim_cmd import command
from auditor.kubesim.testing import kubectl_binary
from tests.helpers import ARGOCD_DIFF

pytestmark = pytest.mark.kubectl


def start_kubesim(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], Path]:
    config = tmp_path / "kubeconfig"
    config.unlink(missing_ok=True)
    code = "from auditor.cli.kubesim_cmd import command; command(prog_name='kubesim')"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--kubeconfig-out", str(config), *args],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not config.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "kubesim did not start"
        time.sleep(0.05)
    return proc, config


@contextmanager
def kubesim_process(tmp_path: Path, *args: str) -> Iterator[Path]:
    proc, config = start_kubesim(tmp_path, *args)
    try:
        yield config
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
        assert "kubesim (simulated Kubernetes API server) listening on http://127.0.0.1:" in err


def kubectl(config: Path, *args: str) -> str:
    env = {"HOME": str(config.parent), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [kubectl_binary(), "--kubeconfig", str(config), *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout


def test_command_object() -> None:
    assert isinstance(command, click.Command) and command.name == "kubesim"
    names = {p.name for p in command.params}
    assert {"port", "kubeconfig_out", "state", "dumps"} <= names


def test_load_dump_and_state_across_restart(tmp_path: Path) -> None:
    dump = tmp_path / "dump.yaml"
    live = yaml.safe_load((ARGOCD_DIFF / "smd-deploy-live.yaml").read_text())
    dump.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [live]}))
    state = tmp_path / "state.json"
    with kubesim_process(tmp_path, "--load", str(dump), "--state", str(state)) as config:
        out = kubectl(
            config, "get", "deploy", "nginx-deployment", "-o", "yaml", "--show-managed-fields"
        )
        served = yaml.safe_load(out)
        assert served["metadata"]["uid"] == live["metadata"]["uid"]
        assert served["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]
        assert served["metadata"]["managedFields"] == live["metadata"]["managedFields"]
        kubectl(config, "create", "configmap", "persisted", "--from-literal=a=b")
    with kubesim_process(tmp_path, "--state", str(state)) as config:
        assert kubectl(config, "get", "cm", "persisted", "-o", "jsonpath={.data.a}") == "b"
        assert "nginx-deployment" in kubectl(config, "get", "deploy", "-o", "name")


def test_state_keeps_every_answered_write_through_a_kill_9(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    proc, config = start_kubesim(tmp_path, "--state", str(state))
    try:
        for i in range(5):
            kubectl(config, "create", "configmap", f"cm-{i}", f"--from-literal=n={i}")
        kubectl(config, "delete", "configmap", "cm-0")
        kubectl(config, "label", "configmap", "cm-4", "last=yes")
    finally:
        proc.kill()  # at once: no time for a snapshot
        proc.communicate(timeout=20)
    with kubesim_process(tmp_path, "--state", str(state)) as config:
        names = kubectl(config, "get", "cm", "-o", "jsonpath={.items[*].metadata.name}").split()
        assert [n for n in names if n.startswith("cm-")] == ["cm-1", "cm-2", "cm-3", "cm-4"]
        assert kubectl(config, "get", "cm", "cm-4", "-o", "jsonpath={.metadata.labels.last}") \
            == "yes"  # fmt: skip
        kubectl(config, "create", "configmap", "after-restart")
    with kubesim_process(tmp_path, "--state", str(state)) as config:
        assert kubectl(config, "get", "cm", "after-restart", "-o", "name") == (
            "configmap/after-restart\n"
        )
