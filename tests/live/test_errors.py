"""Typed cluster errors: each status becomes its class with status, reason, verb and
resource, over HTTP from kubesim with the real client; retry is decided by type."""

from __future__ import annotations

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
    yield registry.client("in-cluster")
    sim.sim.faults.clear()


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
    sim.sim.faults.add(Fault(status=status, path="/api/v1/configmaps$"))
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
    sim.sim.faults.add(Fault(status=429, path="/api/v1/configmaps$", retry_after=7))
    with pytest.raises(ClusterThrottled) as info:
        client.get_json("/api/v1/configmaps")
    assert info.value.retry_after == 7.0


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
