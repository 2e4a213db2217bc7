"""Typed cluster errors: each status becomes its class with status, reason, verb and
resource, over HTTP from kubesim with the real client; retry is decided by type."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.config import Config
from auditor.kubesim.faults import Fault
from auditor.kubesim.testing import RunningSim, running_kubesim
from auditor.live import ClusterRegistry
from auditor.live.client import KubeClient
from auditor.live.errors import (
    ClusterBadResponse,
    ClusterClientError,
    ClusterForbidden,
    ClusterServerError,
    ClusterThrottled,
    ClusterTimedOut,
    ClusterUnauthorized,
    ClusterUnreachable,
    ResourceConflict,
    ResourceInvalid,
    ResourceNotFound,
    error_class,
)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSim]:
    with running_kubesim(tmp_path_factory.mktemp("errors")) as running:
        yield running


@pytest.fixture
def client(sim: RunningSim) -> Iterator[KubeClient]:
    registry = ClusterRegistry(config=Config(), kubeconfig=str(sim.kubeconfig))
    client = registry.client("in-cluster")
    waits: list[float] = []
    client.sleep = waits.append  # retries of reads are recorded, never waited for
    yield client
    sim.sim.faults.clear()


def waits(client: KubeClient) -> list[float]:
    return client.sleep.__self__  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        (401, ClusterUnauthorized, False),
        (403, ClusterForbidden, False),
        (404, ResourceNotFound, False),
        (409, ResourceConflict, False),
        (422, ResourceInvalid, False),
        (400, ClusterClientError, False),
        (429, ClusterThrottled, True),
        (500, ClusterServerError, True),
        (503, ClusterServerError, True),
    ],
)
def test_each_status_is_its_own_type(
    client: KubeClient, sim: RunningSim, status: int, cls: type[Exception], retryable: bool
) -> None:
    sim.sim.faults.add(Fault(status=status, path="/api/v1/configmaps$", times=None))
    with pytest.raises(cls) as info:
        client.get_json("/api/v1/configmaps", verb="list", what="configmaps")
    exc = info.value
    assert type(exc) is cls and error_class(status) is cls
    assert exc.status == status and exc.retryable is retryable
    assert exc.verb == "list" and exc.resource == "configmaps" and exc.cluster == "in-cluster"
    assert exc.reason  # the API's own Status reason, e.g. "Forbidden"


def test_forbidden_names_verb_and_resource(client: KubeClient, sim: RunningSim) -> None:
    sim.sim.faults.add(Fault(status=403, path="/api/v1/secrets$"))
    with pytest.raises(ClusterForbidden) as info:
        client.get_json("/api/v1/secrets", verb="list", what="secrets")
    assert info.value.message.startswith("cluster in-cluster: forbidden to list secrets")
    assert info.value.reason == "Forbidden"


def test_retry_after_is_kept(client: KubeClient, sim: RunningSim) -> None:
    sim.sim.faults.add(Fault(status=429, path="/api/v1/configmaps$", retry_after=7, times=None))
    with pytest.raises(ClusterThrottled) as info:
        client.get_json("/api/v1/configmaps")
    assert info.value.retry_after == 7.0
    assert waits(client) == [7.0, 7.0]  # two retries, each after what the server asked


def test_a_read_is_retried_through_transient_errors(client: KubeClient, sim: RunningSim) -> None:
    sim.sim.faults.add(Fault(status=503, path="/api/v1/configmaps$", times=1))
    sim.sim.faults.add(Fault(status=429, path="/api/v1/configmaps$", times=1))
    assert client.get_json("/api/v1/configmaps")["kind"] == "ConfigMapList"
    assert waits(client) == [0.5, 1.0]  # the default backoff, doubling


def test_a_refusal_is_not_retried(client: KubeClient, sim: RunningSim) -> None:
    sim.sim.faults.add(Fault(status=403, path="/api/v1/configmaps$", times=1))
    with pytest.raises(ClusterForbidden):
        client.get_json("/api/v1/configmaps")
    assert waits(client) == []


def test_a_dripping_answer_is_cut_at_the_deadline(client: KubeClient, sim: RunningSim) -> None:
    client.timeout = 1.5
    sim.sim.faults.add(Fault(drip=0.3, path="/api/v1/configmaps$", times=None))
    started = time.monotonic()
    with pytest.raises(ClusterTimedOut) as info:
        client.get_json("/api/v1/configmaps", verb="list", what="configmaps")
    assert time.monotonic() - started < 10  # 3 tries of 1.5 s, not the ~5 min of the drip
    assert info.value.retryable and "did not answer in time" in info.value.message


def test_dripping_headers_are_cut_at_the_deadline(client: KubeClient, sim: RunningSim) -> None:
    client.timeout = 1.5
    client.retries = 0
    fault = Fault(drip=0.2, drip_headers=True, path="/api/v1/configmaps$", times=None)
    sim.sim.faults.add(fault)
    started = time.monotonic()
    with pytest.raises(ClusterTimedOut) as info:
        client.get_json("/api/v1/configmaps", verb="list", what="configmaps")
    assert time.monotonic() - started < 4  # the deadline, not the ~40 s of the headers
    assert "did not answer in time" in info.value.message
    sim.sim.faults.clear()
    assert client.get_json("/api/v1/namespaces")["items"]  # the client is usable after


def test_a_group_of_requests_shares_one_deadline(client: KubeClient, sim: RunningSim) -> None:
    sim.sim.faults.add(Fault(latency=0.4, path="/api/v1/configmaps$", times=None))
    with client.within(1.0), pytest.raises(ClusterTimedOut):
        for _ in range(10):
            client.get_json("/api/v1/configmaps")


def test_an_answer_cut_off_midway_is_unreachable(client: KubeClient, sim: RunningSim) -> None:
    sim.sim.faults.add(Fault(cut=True, path="/api/v1/configmaps$", times=None))
    with pytest.raises(ClusterUnreachable):
        client.get_json("/api/v1/configmaps")


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"<html>502</html>"])
def test_a_200_that_is_no_api_object_is_a_bad_response(
    client: KubeClient, sim: RunningSim, body: bytes
) -> None:
    sim.sim.faults.add(Fault(body=body, path="/api/v1/configmaps$", times=None))
    with pytest.raises(ClusterBadResponse):
        client.get_json("/api/v1/configmaps")


def test_a_real_not_found(client: KubeClient) -> None:
    with pytest.raises(ResourceNotFound) as info:
        client.get_json("/api/v1/namespaces/default/configmaps/nope", what="configmap nope")
    assert info.value.status == 404 and info.value.reason == "NotFound"


def test_unreachable_is_retryable(tmp_path: Path) -> None:
    with running_kubesim(tmp_path) as sim:
        registry = ClusterRegistry(config=Config(), kubeconfig=str(sim.kubeconfig))
        client = registry.client("in-cluster")
        client.get_json("/version")
    with pytest.raises(ClusterUnreachable) as info:
        client.get_json("/version", what="version")
    assert info.value.retryable and info.value.status is None
    assert "unreachable" in info.value.message


def test_an_answer_that_is_not_json_is_a_bad_response(client: KubeClient) -> None:
    # /healthz answers plain text, as a proxy's error page would on any path.
    with pytest.raises(ClusterBadResponse) as info:
        client.get_json("/healthz", what="health")
    assert not info.value.retryable and "not JSON" in info.value.message
