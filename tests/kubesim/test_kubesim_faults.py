"""Fault injection: failed writes, forbidden lists and latency, seen by the real client."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kubernetes import client, config

from auditor.kubesim.faults import WRITES, Fault
from auditor.kubesim.testing import running_kubesim


def api(kubeconfig: Path) -> client.CoreV1Api:
    return client.CoreV1Api(config.new_client_from_config(config_file=str(kubeconfig)))


def cm(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def test_next_writes_fail_then_succeed(tmp_path: Path) -> None:
    with running_kubesim(tmp_path) as sim:
        core = api(sim.kubeconfig)
        sim.sim.faults.add(Fault(status=503, methods=WRITES, times=2))
        for _ in range(2):
            with pytest.raises(client.ApiException) as info:
                core.create_namespaced_config_map("default", cm("a"))
            assert info.value.status == 503
        core.list_namespaced_config_map("default")  # reads were never affected
        core.create_namespaced_config_map("default", cm("a"))
        assert sim.sim.faults.hits == 2


def test_forbidden_path_answers_a_status(tmp_path: Path) -> None:
    with running_kubesim(tmp_path) as sim:
        core = api(sim.kubeconfig)
        sim.sim.faults.add(Fault(status=403, path=r"/api/v1/secrets$", times=None))
        with pytest.raises(client.ApiException) as info:
            core.list_secret_for_all_namespaces()
        assert info.value.status == 403
        assert '"reason":"Forbidden"' in info.value.body
        core.list_config_map_for_all_namespaces()
        sim.sim.faults.clear()
        core.list_secret_for_all_namespaces()


def test_latency(tmp_path: Path) -> None:
    with running_kubesim(tmp_path) as sim:
        core = api(sim.kubeconfig)
        sim.sim.faults.add(Fault(latency=0.3, path="configmaps"))
        started = time.monotonic()
        core.list_namespaced_config_map("default")
        assert time.monotonic() - started >= 0.3
