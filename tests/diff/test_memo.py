"""The diff memo: a pair is compared again whenever the desired body, the live object's
resourceVersion, the options or the masking key change, and a reused comparison is
exactly the one the diff would make."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from auditor.diff import DiffOptions, diff_app
from auditor.diff.memo import DiffMemo, decode, encode, pair_key
from auditor.diff.secrets import use_key
from auditor.model import Resource, ResourceKey, ResourceStatus
from tests.diff.test_cases import DRIFT, IN_SYNC
from tests.helpers import argocd_diff as load

OPTIONS = DiffOptions(facts="cluster-facts")
CASES = [*IN_SYNC, *DRIFT]


def deployment(replicas: int, *, version: str = "100") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "uid": "u-1", "resourceVersion": version},
        "spec": {"replicas": replicas},
    }


def desired(replicas: int) -> Resource:
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": replicas},
    }
    return Resource(key=ResourceKey.of(body), api_version="apps/v1", body=body)


def test_the_same_pair_is_compared_once_and_reused_exactly() -> None:
    memo = DiffMemo()
    first = diff_app([desired(2)], [deployment(3)], options=OPTIONS, memo=memo)
    assert (memo.hits, memo.misses) == (0, 1)
    assert first[0].status == ResourceStatus.OUT_OF_SYNC
    again = diff_app([desired(2)], [deployment(3)], options=OPTIONS, memo=memo)
    assert again == first and (memo.hits, memo.misses) == (1, 1)
    # A new process: the kept entries, decoded, are the same comparison.
    reloaded = DiffMemo(memo.entries())
    assert diff_app([desired(2)], [deployment(3)], options=OPTIONS, memo=reloaded) == first
    assert reloaded.hits == 1


@pytest.mark.parametrize(
    "change",
    ["desired", "resourceVersion", "ignore_differences", "strict", "facts", "mask key"],
)
def test_any_input_of_the_comparison_makes_a_new_one(change: str) -> None:
    memo = DiffMemo()
    diff_app([desired(2)], [deployment(2)], options=OPTIONS, memo=memo)
    want, live, options = desired(2), deployment(2), OPTIONS
    if change == "desired":
        want = desired(4)
    elif change == "resourceVersion":  # same body seen at another version: diffed again
        live = deployment(5, version="101")
    elif change == "ignore_differences":
        options = DiffOptions(facts="cluster-facts", ignore_differences=({"kind": "Deployment",
                              "jsonPointers": ["/spec/replicas"]},))  # fmt: skip
    elif change == "strict":
        options = DiffOptions(facts="cluster-facts", strict=True)
    elif change == "facts":
        options = DiffOptions(facts="another cluster's facts")
    else:
        use_key(b"another key")
    try:
        drift = diff_app([want], [live], options=options, memo=memo)
    finally:
        use_key(b"")
    assert memo.hits == 0 and memo.misses == 2
    assert drift == diff_app([want], [live], options=options)
    if change in ("desired", "resourceVersion"):
        assert drift[0].status == ResourceStatus.OUT_OF_SYNC


def test_what_cannot_be_keyed_is_always_compared() -> None:
    no_version = deployment(2)
    del no_version["metadata"]["resourceVersion"]
    assert pair_key(desired(2).body, no_version, options="o") is None
    memo = DiffMemo()
    diff_app([desired(2)], [no_version], options=OPTIONS, memo=memo)
    diff_app([desired(2)], [no_version], options=OPTIONS, memo=memo)
    assert memo.hits == 0 and not memo.entries()
    # No cluster facts named: the comparison's inputs are not all known.
    unnamed = DiffMemo()
    diff_app([desired(2)], [deployment(2)], options=DiffOptions(), memo=unnamed)
    assert unnamed.misses == 0 and not unnamed.entries()
    # A prediction (server-side diff) is a new dry run every time: never reused.
    predicted = DiffMemo()
    diff_app([desired(2)], [deployment(2)], options=OPTIONS, memo=predicted,
             predicted={desired(2).key: deployment(2)})  # fmt: skip
    assert predicted.misses == 0 and not predicted.entries()


@pytest.mark.parametrize(("config", "live"), CASES, ids=[c for c, _ in CASES])
def test_kept_comparisons_of_argocd_cases_read_back_equal(config: str, live: str) -> None:
    want, have = load(config), load(live)
    have.setdefault("metadata", {}).setdefault("resourceVersion", "7")
    body = copy.deepcopy(want)
    resource = Resource(key=ResourceKey.of(body), api_version=body["apiVersion"], body=body)
    direct = diff_app([resource], [have], options=OPTIONS)
    memo = DiffMemo()
    assert diff_app([resource], [have], options=OPTIONS, memo=memo) == direct
    kept = [decode(entry) for entry in memo.entries().values()]
    assert len(kept) == len(direct) and all(d in direct for d in kept)
    assert diff_app([resource], [have], options=OPTIONS, memo=DiffMemo(memo.entries())) == direct


def test_a_comparison_json_cannot_hold_is_not_kept() -> None:
    drift = diff_app([desired(2)], [deployment(3)], options=OPTIONS)[0]
    odd = type(drift.changes[0])(path="spec.x", desired=(1, 2), live=None)
    assert encode(drift) is not None
    assert encode(type(drift)(key=drift.key, version="v1", status=drift.status,
                              changes=(odd,))) is None  # fmt: skip
