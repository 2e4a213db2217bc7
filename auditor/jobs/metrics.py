"""The service's Prometheus metrics, all defined here, served by web at `/metrics`.

Workers, the scheduler and the watcher are separate processes, often on separate machines,
and web runs several gunicorn workers: no one process sees all the work, so nothing is
counted in process memory (prometheus-client's multiprocess mode would only join the
processes of one machine). Every number comes from what all processes share, read when
Prometheus scrapes: what the store remembers (apps, findings, violations, rounds) from the
database, and what it does not (stage timings, round costs, syncs, PRs, notifications,
watcher contact) from a few Redis hashes that the jobs add to. Any web process answers a
scrape with the same whole-service numbers; counters live as long as Redis' data.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.registry import FailedJobRegistry, StartedJobRegistry

from auditor.errors import AuditorError
from auditor.model import AuditStats
from auditor.store import Store

log = logging.getLogger(__name__)
NAMESPACE = "gitops_auditor"
KEY = "gitops-auditor:metrics:"
STAGES = KEY + "stages"  # "<stage>|<le>" -> count, "<stage>|sum", "<stage>|count"
COUNTERS = KEY + "counters"  # "<name>|<label>=<value>,..." -> count
ROUNDS = KEY + "rounds"  # "<cluster>|requests", "<cluster>|up", "<cluster>|success"
WATCHER = KEY + "watcher"  # "<cluster>" -> the time the watcher last heard from it
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
COUNTED = {
    "syncs_total": ("Syncs the service ran, by result.", ("result",)),
    "pull_requests_opened_total": ("Adopt pull requests opened (not updates).", ()),
    "notifications_total": ("Notifications, by notifier and result.", ("notifier", "result")),
}


# ---- what the jobs record ----------------------------------------------------------------
def observe_audit(redis: Redis, stats: AuditStats, *, round_of: str | None = None) -> None:
    """Add an audit's stage timings; for a full round of a cluster, its cost and outcome."""
    pipe = redis.pipeline(transaction=False)
    for stage, seconds in stats.stages.items():
        for bound in BUCKETS:
            if seconds <= bound:
                pipe.hincrby(STAGES, f"{stage}|{bound}", 1)
        pipe.hincrbyfloat(STAGES, f"{stage}|sum", seconds)
        pipe.hincrby(STAGES, f"{stage}|count", 1)
    if round_of is not None:
        up = round_of not in stats.cluster_errors
        pipe.hset(ROUNDS, f"{round_of}|requests", stats.requests.get(round_of, 0))
        pipe.hset(ROUNDS, f"{round_of}|up", int(up))
        if up:
            pipe.hset(ROUNDS, f"{round_of}|success", time.time())
    pipe.execute()


def count(redis: Redis, name: str, amount: int = 1, **labels: str) -> None:
    """Add to one of the `COUNTED` counters."""
    if name not in COUNTED:
        raise ValueError(f"no counter {name}")
    redis.hincrby(COUNTERS, _field(name, labels), amount)


def watcher_contact(redis: Redis, cluster: str, *, at: float | None = None) -> None:
    """The watcher heard from `cluster` at `at` (an event, or a watch opened or ended)."""
    redis.hset(WATCHER, cluster, time.time() if at is None else at)


def _hash(redis: Redis, key: str) -> dict[str, str]:
    """A Redis hash as text."""
    raw: Mapping[bytes | str, bytes | str] = redis.hgetall(key)
    return {_text(k): _text(v) for k, v in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _field(name: str, labels: Mapping[str, str]) -> str:
    return name + "|" + ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _parse_field(field: str) -> tuple[str, dict[str, str]]:
    name, _, rest = field.partition("|")
    return name, dict(pair.split("=", 1) for pair in rest.split(",") if pair)


# ---- what a scrape reads -------------------------------------------------------------------
class ServiceCollector(Collector):
    """The whole service's metrics, read from the store and Redis at each scrape. A source
    that cannot be read leaves its metrics out (the scrape still answers)."""

    def __init__(self, store: Store, redis: Redis, *, queues: Iterable[str]) -> None:
        self.store = store
        self.redis = redis
        self.queues = tuple(queues)

    def collect(self) -> Iterator[Metric]:
        try:
            yield from list(self._from_store())
        except AuditorError as exc:
            log.warning("metrics: the store cannot be read: %s", exc.message)
        try:
            yield from list(self._from_redis())
        except RedisError as exc:
            log.warning("metrics: Redis cannot be read: %s", exc)

    def _from_store(self) -> Iterator[Metric]:
        labels = ["app", "project", "cluster"]
        info = GaugeMetricFamily(
            f"{NAMESPACE}_app_info",
            "Each app's sync and health status (value 1), as Argo CD's argocd_app_info.",
            labels=[*labels, "sync_status", "health_status"],
        )
        drifted = GaugeMetricFamily(
            f"{NAMESPACE}_app_drifted_resources", "Resources out of line with Git.", labels=labels
        )
        unmanaged = GaugeMetricFamily(
            f"{NAMESPACE}_app_unmanaged_changes",
            "Live fields Git does not set, changed by hand or by tools.",
            labels=labels,
        )
        oldest = GaugeMetricFamily(
            f"{NAMESPACE}_app_oldest_drift_age_seconds",
            "Age of the app's oldest open drift finding (0: none).",
            labels=labels,
        )
        violations = GaugeMetricFamily(
            f"{NAMESPACE}_policy_violations",
            "Open policy violations, by severity and policy.",
            labels=[*labels, "severity", "policy"],
        )
        now = datetime.now(UTC)
        apps = {s.name: s for s in self.store.apps()}
        resources: dict[str, set[str]] = defaultdict(set)
        hand: dict[str, int] = defaultdict(int)
        first: dict[str, datetime] = {}
        for finding in self.store.findings():
            if finding.finding == "unmanaged":
                hand[finding.app] += 1
                continue
            resources[finding.app].add(finding.resource)
            seen = finding.first_seen  # aware UTC, as the store gives times
            if finding.app not in first or seen < first[finding.app]:
                first[finding.app] = seen
        for state in apps.values():
            key = [state.name, state.project, state.cluster]
            info.add_metric([*key, state.sync_status, state.health_status or "Unknown"], 1)
            drifted.add_metric(key, len(resources[state.name]))
            unmanaged.add_metric(key, hand[state.name])
            since = first.get(state.name)
            oldest.add_metric(key, (now - since).total_seconds() if since else 0.0)
        per_policy: dict[tuple[str, ...], int] = defaultdict(int)
        for violation in self.store.violations():
            owner = apps.get(violation.app)
            if owner is not None:
                where = (owner.name, owner.project, owner.cluster)
                per_policy[(*where, violation.severity, violation.policy)] += 1
        for labelled, total in sorted(per_policy.items()):
            violations.add_metric(list(labelled), total)
        yield from (info, drifted, unmanaged, oldest, violations)

    def _from_redis(self) -> Iterator[Metric]:
        yield self._stages()
        yield from self._counters()
        yield from self._rounds()
        yield self._queues()
        lag = GaugeMetricFamily(
            f"{NAMESPACE}_watcher_lag_seconds",
            "Seconds since the watcher last heard from the cluster (an event, or a watch "
            "opened or ended); it grows when the watcher is stuck or down.",
            labels=["cluster"],
        )
        now = time.time()
        for cluster, seen in sorted(_hash(self.redis, WATCHER).items()):
            lag.add_metric([cluster], max(0.0, now - float(seen)))
        yield lag

    def _stages(self) -> Metric:
        data = {k: float(v) for k, v in _hash(self.redis, STAGES).items()}
        histogram = HistogramMetricFamily(
            f"{NAMESPACE}_audit_stage_duration_seconds",
            "Time each audit spent per stage: render, read, diff, policy.",
            labels=["stage"],
        )
        stages = sorted({k.split("|", 1)[0] for k in data})
        for stage in stages:
            total = int(data.get(f"{stage}|count", 0))
            buckets = [(str(b), int(data.get(f"{stage}|{b}", 0))) for b in BUCKETS]
            histogram.add_metric(
                [stage], [*buckets, ("+Inf", total)], sum_value=data.get(f"{stage}|sum", 0.0)
            )
        return histogram

    def _counters(self) -> Iterator[Metric]:
        values: dict[str, list[tuple[dict[str, str], float]]] = defaultdict(list)
        for raw, stored in _hash(self.redis, COUNTERS).items():
            name, labels = _parse_field(raw)
            values[name].append((labels, float(stored)))
        for name, (documentation, label_names) in COUNTED.items():
            family = CounterMetricFamily(
                f"{NAMESPACE}_{name.removesuffix('_total')}", documentation, labels=label_names
            )
            for labels, total in sorted(values[name], key=lambda item: sorted(item[0].items())):
                family.add_metric([labels.get(n, "") for n in label_names], total)
            if not label_names and not values[name]:
                family.add_metric([], 0.0)  # a counter with no labels starts at 0
            yield family

    def _rounds(self) -> Iterator[Metric]:
        requests = GaugeMetricFamily(
            f"{NAMESPACE}_round_api_requests",
            "API requests of the cluster's last full round.",
            labels=["cluster"],
        )
        up = GaugeMetricFamily(
            f"{NAMESPACE}_cluster_up",
            "1 when the cluster's last full round could read it, else 0.",
            labels=["cluster"],
        )
        success = GaugeMetricFamily(
            f"{NAMESPACE}_round_last_success_timestamp_seconds",
            "When the cluster's last successful full round ended (Unix time).",
            labels=["cluster"],
        )
        families = {"requests": requests, "up": up, "success": success}
        for raw, value in sorted(_hash(self.redis, ROUNDS).items()):
            cluster, _, what = raw.rpartition("|")
            if what in families:
                families[what].add_metric([cluster], float(value))
        yield from families.values()

    def _queues(self) -> Metric:
        jobs = GaugeMetricFamily(
            f"{NAMESPACE}_queue_jobs",
            "Jobs per queue: queued, started (running), failed.",
            labels=["queue", "state"],
        )
        for name in self.queues:
            queue = Queue(name, connection=self.redis)
            started = StartedJobRegistry(name, connection=self.redis)
            failed = FailedJobRegistry(name, connection=self.redis)
            jobs.add_metric([name, "queued"], queue.count)
            jobs.add_metric([name, "started"], started.count)
            jobs.add_metric([name, "failed"], failed.count)
        return jobs
