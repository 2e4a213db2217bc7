"""`gitops-auditor watcher`: one long-lived watch per (cluster, resource type that apps
use); a change to an object an app tracks (or that an app's Git declares) enqueues that
app's audit, debounced (`service.watch_debounce`, 2 s by default: a burst of changes is
one audit) and deduplicated by the queue. Apps and types are re-read from Git every poll
interval. A cluster that is down, or Redis, is retried with backoff; nothing is lost:
pending audits wait in memory until Redis answers again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import RedisError

from auditor.errors import AuditorError
from auditor.jobs import metrics
from auditor.jobs.queues import Jobs
from auditor.live.discovery import ApiResource, ResourceIndex, discover
from auditor.live.tracking import tracking_app
from auditor.live.watch import watch_changes
from auditor.model import ResourceKey
from auditor.pipeline.audit import wanted_types
from auditor.service import Service
from auditor.store.records import Trigger

log = logging.getLogger(__name__)


@dataclass
class AppIndex:
    """Which app an object belongs to: by tracking label/annotation, else by Git."""

    label_key: str
    declared: dict[tuple[str, ResourceKey], str] = field(default_factory=dict)  # (cluster, key)
    apps: frozenset[str] = frozenset()

    def app_of(self, cluster: str, obj: Mapping[str, Any]) -> str:
        name = tracking_app(obj, label_key=self.label_key)
        if name and name in self.apps:
            return name
        key = ResourceKey.of(obj)
        return self.declared.get((cluster, key)) or self.declared.get(
            (cluster, ResourceKey(key.group, key.kind, "", key.name)), ""
        )


class Debouncer:
    """Collects touched apps; hands each out once it has been quiet for `delay` seconds
    (at the latest `5 x delay` after its first touch, so a busy app is still audited)."""

    def __init__(self, *, delay: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.delay = delay
        self.clock = clock
        self._first: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def touch(self, app: str) -> None:
        now = self.clock()
        with self._lock:
            self._first.setdefault(app, now)
            self._last[app] = now

    def due(self) -> list[str]:
        now = self.clock()
        with self._lock:
            ready = [
                app
                for app, last in self._last.items()
                if now - last >= self.delay or now - self._first[app] >= 5 * self.delay
            ]
            for app in ready:
                del self._last[app], self._first[app]
        return ready

    def put_back(self, apps: Iterable[str]) -> None:
        """Apps that could not be enqueued: due again at once."""
        now = self.clock() - self.delay
        with self._lock:
            for app in apps:
                self._first.setdefault(app, now)
                self._last.setdefault(app, now)


class Watcher:
    """Watches clusters for the service and turns changes into audits."""

    def __init__(
        self,
        *,
        service: Service,
        jobs: Jobs,
        clusters: Sequence[str] = (),
        on_enqueue: Callable[[str], None] | None = None,
    ) -> None:
        self.service = service
        self.jobs = jobs
        self.only = set(clusters)
        cfg = service.config.service
        self.debouncer = Debouncer(delay=cfg.watch_debounce)
        self.index = AppIndex(label_key=service.config.tracking.instance_label_key)
        self.stop = threading.Event()
        self.on_enqueue = on_enqueue
        self._threads: dict[tuple[str, str, str], threading.Thread] = {}
        self._synced: set[tuple[str, str, str]] = set()
        self._started = False  # a refresh has started the watches of every cluster
        self._ready_lock = threading.Lock()
        self.ready = threading.Event()  # every watch has listed and is watching
        self.enqueued = 0
        self._contact: dict[str, float] = {}  # cluster -> when a watch last heard from it
        self._contact_reported = 0.0

    def run(self) -> None:
        """Watch until `stop` is set (SIGTERM in the command)."""
        refresh = float(self.service.config.service.git_poll_interval)
        next_refresh = 0.0
        while not self.stop.is_set():
            if time.monotonic() >= next_refresh:
                self.refresh()
                next_refresh = time.monotonic() + refresh
            self._flush()
            self._report_contact()
            self.stop.wait(0.1)
        self._flush()

    def _report_contact(self, every: float = 5.0) -> None:
        """Tell the metrics when each cluster was last heard from (every few seconds)."""
        if time.monotonic() - self._contact_reported < every or not self._contact:
            return
        self._contact_reported = time.monotonic()
        try:
            for cluster, seen in list(self._contact.items()):
                metrics.watcher_contact(self.jobs.redis, cluster, at=seen)
        except RedisError as exc:
            log.warning("watcher: cannot report to the metrics: %s", exc)

    def refresh(self) -> None:
        """Re-read the apps from Git: which types to watch, which objects they declare."""
        target = self.service.target
        try:
            space = self.service.workspace(repo=target["repo"], revision=target["revision"])
        except AuditorError as exc:
            log.warning("watcher: cannot read the apps: %s", exc.message)
            return
        declared: dict[tuple[str, ResourceKey], str] = {}
        types: dict[str, set[tuple[str, str]]] = {}
        for app in space.discovery.apps:
            if app.error or (self.only and app.cluster not in self.only):
                continue
            rendered = self.service.pipeline.render(app, space.checkout)
            kinds, _ = wanted_types(rendered.resources)
            types.setdefault(app.cluster, set()).update(kinds)
            for resource in rendered.resources:
                declared[(app.cluster, resource.key)] = app.name
        self.index.declared = declared
        self.index.apps = frozenset(a.name for a in space.discovery.apps)
        for cluster, kinds in types.items():
            self._ensure_watches(cluster, kinds)
        self._started = True
        self._check_ready()

    def _ensure_watches(self, cluster: str, kinds: set[tuple[str, str]]) -> None:
        try:
            client = self.service.pipeline.clusters.client(cluster)
            index = ResourceIndex(discover(client))
        except AuditorError as exc:
            log.warning(
                "watcher: cluster %s: %s (retried at the next refresh)", cluster, exc.message
            )
            return
        for group, kind in sorted(kinds):
            res = index.find(group, kind)
            key = (cluster, group, kind)
            if res is None or (key in self._threads and self._threads[key].is_alive()):
                continue
            thread = threading.Thread(
                target=self._watch, args=(cluster, res), name=f"watch-{cluster}-{kind}", daemon=True
            )
            self._threads[key] = thread
            thread.start()

    def _watch(self, cluster: str, res: ApiResource) -> None:
        client = self.service.pipeline.clusters.client(cluster)
        timeout = self.service.config.service.watch_timeout
        backoff = 1.0
        while not self.stop.is_set():
            try:
                for change in watch_changes(
                    client, res, timeout_seconds=timeout, stopped=self.stop.is_set
                ):
                    backoff = 1.0
                    self._contact[cluster] = time.time()
                    if change.type == "SYNCED":
                        self._mark_synced((cluster, res.group, res.kind))
                        continue
                    if change.type in ("LISTED", "BOOKMARK"):
                        continue
                    app = self.index.app_of(cluster, change.object)
                    if app:
                        self.debouncer.touch(app)
                self._contact[cluster] = time.time()  # the watch ended as asked
            except AuditorError as exc:
                log.info(
                    "watcher: %s %s: %s; retrying in %.0fs", cluster, res, exc.message, backoff
                )
                self.stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _mark_synced(self, key: tuple[str, str, str]) -> None:
        with self._ready_lock:
            self._synced.add(key)
        self._check_ready()

    def _check_ready(self) -> None:
        with self._ready_lock:
            if self.ready.is_set() or not self._started or not self._synced >= set(self._threads):
                return
            self.ready.set()
            log.info("watcher: ready, %d watches on %d cluster(s)", len(self._threads),
                     len({k[0] for k in self._threads}))  # fmt: skip

    def _flush(self) -> None:
        due = self.debouncer.due()
        failed = []
        for app in due:
            try:
                self.jobs.audit_app(app, trigger=str(Trigger.WATCH))
            except RedisError as exc:
                log.warning("watcher: cannot enqueue the audit of %s: %s", app, exc)
                failed.append(app)
                continue
            self.enqueued += 1
            if self.on_enqueue:
                self.on_enqueue(app)
        if failed:
            self.debouncer.put_back(failed)
            self.stop.wait(1.0)
