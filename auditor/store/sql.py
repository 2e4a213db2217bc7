"""`SqlStore`: the `Store` over SQLAlchemy 2 Core, SQLite by default (WAL mode, one file in
the cache directory), PostgreSQL with `DATABASE_URL`. The schema is created and upgraded
by the Alembic migrations on first use. Every write that changes an app's state stores
the events of that change in the same transaction.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, delete, event, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from auditor.errors import AuditorError
from auditor.model import ActionKind, AdoptResult, AppReport, ResourceKey, SyncResult
from auditor.remediate.loopguard import HealEvent
from auditor.secretenv import read_secret
from auditor.store import migrate, rows, schema, web
from auditor.store.audits import record_audit
from auditor.store.records import (
    Actor,
    ApiToken,
    AppState,
    AppSummary,
    AuditRun,
    ClusterDrift,
    Event,
    EventType,
    Finding,
    LogEntry,
    NewEvent,
    Recorded,
    RunContext,
    SentMessage,
    StoredPullRequest,
    StoredViolation,
    SyncOp,
)

T = TypeVar("T")


class StoreError(AuditorError):
    """The store's database cannot be reached or used."""


def database_url(*, cache_dir: Path, env: Mapping[str, str] | None = None) -> str:
    """`DATABASE_URL` (postgres:// URLs use psycopg 3), else a SQLite file in the cache."""
    env = os.environ if env is None else env
    url = read_secret("DATABASE_URL", env=env).strip()
    if not url:
        return f"sqlite:///{cache_dir / 'gitops-auditor.db'}"
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions, so migrations (DDL) are
    # transactional too: a failed upgrade leaves the database as it was.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


WRITE_OPTION = "auditor_write"  # execution option of the store's write transactions


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class SqlStore:
    """Everything the service remembers, in one database."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        # Writes take SQLite's write lock as they begin: a transaction that reads and then
        # writes would otherwise fail at once ("database is locked", whatever the busy
        # timeout) when another process wrote in between. Other databases ignore it.
        self._writer = self.engine.execution_options(**{WRITE_OPTION: True})
        self._ready = False
        self._lock = threading.Lock()
        self._summaries: tuple[tuple[Any, ...], list[AppSummary]] | None = None

    # ---- plumbing --------------------------------------------------------------------
    def upgrade(self) -> str:
        """Bring the schema to the newest revision; returns it."""
        self._guard(lambda: migrate.upgrade(self.engine))
        self._ready = True
        return migrate.head()

    def revision(self) -> str | None:
        return self._guard(lambda: migrate.current(self.engine))

    def _ensure(self) -> None:
        if self._ready:
            return
        with self._lock:
            if not self._ready:
                if self.revision() != migrate.head():
                    self.upgrade()
                self._ready = True

    def _write(self, work: Callable[[Connection], T]) -> T:
        self._ensure()

        def run() -> T:
            with self._writer.begin() as conn:
                return work(conn)

        return self._guard(run)

    def _read(self, work: Callable[[Connection], T]) -> T:
        self._ensure()

        def run() -> T:
            with self.engine.connect() as conn:
                return work(conn)

        return self._guard(run)

    def _guard(self, work: Callable[[], T]) -> T:
        try:
            return work()
        except SQLAlchemyError as exc:
            raise StoreError(f"store {self.safe_url()}: {_first_line(exc)}") from exc

    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def ping(self) -> None:
        """Raise `StoreError` when the database cannot be reached."""
        self._read(lambda conn: conn.execute(select(1)).scalar())

    def drop(self) -> None:
        """Remove every table (tests)."""
        schema.metadata.drop_all(self.engine)
        with self.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        self.engine.dispose()

    # ---- audits and events -----------------------------------------------------------
    def record_audit(self, report: AppReport, *, context: RunContext) -> Recorded:
        """Store one app's audit: run, state, findings, violations, and its events."""

        def work(conn: Connection) -> Recorded:
            run_id, new = record_audit(conn, report, context=context)
            return Recorded(
                run_id=run_id, events=tuple(_add_events(conn, new, at=context.finished_at))
            )

        return self._write(work)

    def record_event(self, new: NewEvent, *, at: datetime) -> Event:
        return self._write(lambda conn: _add_events(conn, [new], at=at)[0])

    def snooze(self, app: str, *, until: datetime | None) -> bool:
        """Silence an app's notifications until `until` (None: unsnooze); False if unknown."""

        def work(conn: Connection) -> bool:
            done = conn.execute(
                update(schema.apps).where(schema.apps.c.name == app).values(snoozed_until=until)
            )
            return bool(done.rowcount)

        return self._write(work)

    # ---- syncs and pull requests -----------------------------------------------------
    def start_sync(
        self,
        *,
        app: str,
        cluster: str,
        actor: Actor,
        trigger: str,
        dry_run: bool,
        prune: bool,
        job_id: str = "",
        at: datetime,
    ) -> int:
        def work(conn: Connection) -> int:
            result = conn.execute(
                insert(schema.sync_ops).values(
                    app=app,
                    cluster=cluster,
                    actor=actor.user,
                    via=actor.via,
                    trigger=trigger,
                    dry_run=dry_run,
                    prune=prune,
                    status="running",
                    started_at=at,
                    job_id=job_id,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

        return self._write(work)

    def finish_sync(self, op_id: int, result: SyncResult, *, at: datetime) -> tuple[Event, ...]:
        """Close a sync operation with its per-object outcome; a real sync emits
        sync-succeeded or sync-failed (or auto-heal-blocked for a blocked heal)."""

        def work(conn: Connection) -> tuple[Event, ...]:
            op = conn.execute(select(schema.sync_ops).where(schema.sync_ops.c.id == op_id)).one()
            status = sync_outcome(result)
            conn.execute(
                update(schema.sync_ops)
                .where(schema.sync_ops.c.id == op_id)
                .values(
                    status=status,
                    finished_at=at,
                    blocked_by=result.blocked_by,
                    error=result.error,
                    sync_status=str(result.sync),
                    actions=json.dumps([action_json(a) for a in result.actions]),
                )
            )
            if result.dry_run:
                return ()
            new = sync_event(result, status=status, op_id=op_id, trigger=op.trigger)
            return tuple(_add_events(conn, [new] if new else [], at=at))

        return self._write(work)

    def abandon_sync(self, op_id: int, *, error: str, at: datetime) -> tuple[Event, ...]:
        """A sync whose worker was lost: failed, with why."""

        def work(conn: Connection) -> tuple[Event, ...]:
            op = conn.execute(select(schema.sync_ops).where(schema.sync_ops.c.id == op_id)).one()
            if op.status != "running":
                return ()
            conn.execute(
                update(schema.sync_ops)
                .where(schema.sync_ops.c.id == op_id)
                .values(status="failed", finished_at=at, error=error)
            )
            new = NewEvent(
                app=op.app,
                type=EventType.SYNC_FAILED,
                fingerprint=f"sync-{op_id}",
                payload={"op": op_id, "error": error, "trigger": op.trigger},
            )
            return tuple(_add_events(conn, [new], at=at))

        return self._write(work)

    def running_syncs(self, *, app: str | None = None) -> list[SyncOp]:
        query = select(schema.sync_ops).where(schema.sync_ops.c.status == "running")
        if app is not None:
            query = query.where(schema.sync_ops.c.app == app)
        return self._read(lambda conn: [rows.sync_op(r._mapping) for r in conn.execute(query)])

    def record_pr(self, result: AdoptResult, *, at: datetime) -> None:
        self._write(
            lambda conn: conn.execute(
                insert(schema.pull_requests).values(
                    app=result.app,
                    fingerprint=result.fingerprint,
                    branch=result.branch,
                    url=result.pr_url,
                    number=result.pr_number,
                    created=result.created,
                    error=result.error,
                    at=at,
                )
            )
        )

    # ---- the audit log ---------------------------------------------------------------
    def log(self, entry: LogEntry, *, at: datetime) -> None:
        """Append one line to the audit log (never updated, never deleted)."""
        self._write(
            lambda conn: conn.execute(
                insert(schema.audit_log).values(
                    at=at,
                    actor=entry.actor.user,
                    via=entry.actor.via,
                    source=entry.actor.source,
                    action=entry.action,
                    target=entry.target,
                    result=entry.result,
                    detail=json.dumps(dict(entry.detail), default=str, sort_keys=True),
                )
            )
        )

    def audit_log(self, *, limit: int = 100, target: str | None = None) -> list[LogEntry]:
        table = schema.audit_log
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if target is not None:
            query = query.where(table.c.target == target)
        return self._read(lambda conn: [rows.log_entry(r._mapping) for r in conn.execute(query)])

    # ---- heal events (the loop guard) ------------------------------------------------
    def record_heal(self, event: HealEvent) -> None:
        self._write(
            lambda conn: conn.execute(
                insert(schema.heal_events).values(
                    app=event.app,
                    cluster=event.cluster,
                    resource=_key_text(event.key),
                    time=rows.utc(event.time),
                    fields=json.dumps(list(event.fields)),
                    manager=event.manager,
                )
            )
        )

    def heals(
        self, *, app: str, cluster: str, key: ResourceKey, since: datetime
    ) -> Sequence[HealEvent]:
        table = schema.heal_events
        query = (
            select(table)
            .where(table.c.app == app)
            .where(table.c.cluster == cluster)
            .where(table.c.resource == _key_text(key))
            .where(table.c.time >= rows.utc(since))
            .order_by(table.c.time, table.c.id)
        )
        found = self._read(lambda conn: [r._mapping for r in conn.execute(query)])
        return [
            HealEvent(
                app=row["app"],
                cluster=row["cluster"],
                key=key,
                time=rows.utc(row["time"]),
                fields=tuple(json.loads(row["fields"] or "[]")),
                manager=row["manager"] or "",
            )
            for row in found
        ]

    # ---- delivery cursors ------------------------------------------------------------
    def cursor(self, name: str) -> int:
        """The id of the last event the notifier `name` acknowledged (0: none)."""
        table = schema.cursors
        query = select(table.c.event_id).where(table.c.name == name)
        return int(self._read(lambda conn: conn.execute(query).scalar()) or 0)

    def set_cursor(self, name: str, event_id: int) -> None:
        table = schema.cursors

        def work(conn: Connection) -> None:
            if conn.execute(select(table.c.name).where(table.c.name == name)).first() is None:
                conn.execute(insert(table).values(name=name, event_id=event_id))
            else:
                conn.execute(update(table).where(table.c.name == name).values(event_id=event_id))

        self._write(work)

    # ---- messages notifiers sent ------------------------------------------------------
    def sent_message(self, notifier: str, channel: str, key: str) -> SentMessage | None:
        """The message `notifier` sent to `channel` for `key` (to update it), if any."""
        table = schema.notifications
        query = (
            select(table.c.message, table.c.event_id)
            .where(table.c.notifier == notifier)
            .where(table.c.channel == channel)
            .where(table.c.key == key)
        )
        row = self._read(lambda conn: conn.execute(query).first())
        return None if row is None else SentMessage(message=row.message, event_id=row.event_id)

    def remember_message(
        self,
        notifier: str,
        channel: str,
        key: str,
        *,
        app: str,
        message: str,
        event_id: int,
        at: datetime,
    ) -> None:
        """`message` (sent or updated) now shows event `event_id` of `app`."""
        table = schema.notifications
        where = (table.c.notifier == notifier) & (table.c.channel == channel) & (table.c.key == key)
        values = {"app": app, "message": message, "event_id": event_id, "sent_at": at}

        def work(conn: Connection) -> None:
            if conn.execute(select(table.c.key).where(where)).first() is None:
                conn.execute(
                    insert(table).values(notifier=notifier, channel=channel, key=key, **values)
                )
            else:
                conn.execute(update(table).where(where).values(**values))

        self._write(work)

    # ---- Git heads (the poll) --------------------------------------------------------
    def head(self, *, repo: str, ref: str) -> str | None:
        table = schema.repo_heads
        query = select(table.c.sha).where(table.c.repo == repo).where(table.c.ref == ref)
        return self._read(lambda conn: conn.execute(query).scalar())

    def set_head(self, *, repo: str, ref: str, sha: str, at: datetime) -> None:
        table = schema.repo_heads

        def work(conn: Connection) -> None:
            where = (table.c.repo == repo) & (table.c.ref == ref)
            if conn.execute(select(table.c.sha).where(where)).first() is None:
                conn.execute(insert(table).values(repo=repo, ref=ref, sha=sha, polled_at=at))
            else:
                conn.execute(update(table).where(where).values(sha=sha, polled_at=at))

        self._write(work)

    # ---- retention -------------------------------------------------------------------
    def retention(self, *, now: datetime, keep_days: int) -> dict[str, int]:
        """Delete runs, resolved findings and violations, finished syncs, pull requests and
        events older than `keep_days` (the audit log and open findings are kept)."""
        cutoff = now - timedelta(days=keep_days)

        def work(conn: Connection) -> dict[str, int]:
            done = {
                "audit_runs": conn.execute(
                    delete(schema.audit_runs).where(schema.audit_runs.c.finished_at < cutoff)
                ).rowcount,
                "findings": conn.execute(
                    delete(schema.findings).where(schema.findings.c.resolved_at < cutoff)
                ).rowcount,
                "violations": conn.execute(
                    delete(schema.violations).where(schema.violations.c.resolved_at < cutoff)
                ).rowcount,
                "sync_ops": conn.execute(
                    delete(schema.sync_ops).where(schema.sync_ops.c.finished_at < cutoff)
                ).rowcount,
                "pull_requests": conn.execute(
                    delete(schema.pull_requests).where(schema.pull_requests.c.at < cutoff)
                ).rowcount,
                "events": conn.execute(
                    delete(schema.events).where(schema.events.c.at < cutoff)
                ).rowcount,
                "heal_events": conn.execute(
                    delete(schema.heal_events).where(schema.heal_events.c.time < cutoff)
                ).rowcount,
                "deliveries": conn.execute(
                    delete(schema.deliveries).where(schema.deliveries.c.received_at < cutoff)
                ).rowcount,
            }
            return {name: int(count or 0) for name, count in done.items()}

        return self._write(work)

    # ---- the web's reads (aggregates: see `web`) --------------------------------------
    def app_summaries(self) -> list[AppSummary]:
        """Every app's row of the apps list. Kept in memory while the store's generation
        (runs, apps, snoozes) stays the same: a page of 1,000 apps reads three numbers
        instead of every app, finding and violation."""

        def work(conn: Connection) -> list[AppSummary]:
            now = web.generation(conn)
            cached = self._summaries
            if cached is not None and cached[0] == now:
                return cached[1]
            found = web.app_summaries(conn)
            self._summaries = (now, found)
            return found

        return list(self._read(work))

    def app_report(self, name: str) -> dict[str, Any] | None:
        """The app's last stored report (the JSON report's shape); None: unknown app."""
        return self._read(lambda conn: web.app_report(conn, name))

    def drift_timeline(
        self, *, since: datetime, until: datetime, points: int
    ) -> list[ClusterDrift]:
        return self._read(
            lambda conn: web.drift_timeline(conn, since=since, until=until, points=points)
        )

    def top_managers(self, *, limit: int = 10) -> list[tuple[str, int]]:
        return self._read(lambda conn: web.top_managers(conn, limit=limit))

    def oldest_drift(self, *, limit: int = 10) -> list[AppState]:
        return self._read(lambda conn: web.oldest_drift(conn, limit=limit))

    # ---- API tokens and forge deliveries ---------------------------------------------
    def add_token(self, *, name: str, role: str, token_hash: str, at: datetime) -> bool:
        return self._write(
            lambda conn: web.add_token(conn, name=name, role=role, token_hash=token_hash, at=at)
        )

    def token_by_hash(self, token_hash: str, *, at: datetime) -> ApiToken | None:
        """The live token with this hash; its last use is refreshed every few minutes."""
        found = self._read(lambda conn: web.token_by_hash(conn, token_hash))
        if found is not None and (
            found.last_used_at is None or at - found.last_used_at > web.TOUCH_EVERY
        ):
            self._write(lambda conn: web.touch_token(conn, found.name, at=at))
        return found

    def tokens(self) -> list[ApiToken]:
        return self._read(web.tokens)

    def revoke_token(self, name: str) -> bool:
        return self._write(lambda conn: web.revoke_token(conn, name))

    def first_delivery(self, *, forge: str, delivery: str, event: str, at: datetime) -> bool:
        """Remember a forge's webhook delivery; False: seen before (a replay)."""
        return self._write(
            lambda conn: web.first_delivery(
                conn, forge=forge, delivery=delivery, event=event, at=at
            )
        )

    def forget_delivery(self, *, forge: str, delivery: str) -> None:
        self._write(lambda conn: web.forget_delivery(conn, forge=forge, delivery=delivery))

    # ---- reads -----------------------------------------------------------------------
    def app(self, name: str) -> AppState | None:
        query = select(*schema.APP_STATE).where(schema.apps.c.name == name)
        row = self._read(lambda conn: conn.execute(query).first())
        return rows.app_state(row._mapping) if row is not None else None

    def apps(self) -> list[AppState]:
        query = select(*schema.APP_STATE).order_by(schema.apps.c.name)
        return self._read(lambda conn: [rows.app_state(r._mapping) for r in conn.execute(query)])

    def findings(self, *, app: str | None = None, open_only: bool = True) -> list[Finding]:
        table = schema.findings
        query = select(table).order_by(table.c.app, table.c.id)
        if app is not None:
            query = query.where(table.c.app == app)
        if open_only:
            query = query.where(table.c.resolved_at.is_(None))
        return self._read(lambda conn: [rows.finding(r._mapping) for r in conn.execute(query)])

    def violations(
        self, *, app: str | None = None, open_only: bool = True
    ) -> list[StoredViolation]:
        table = schema.violations
        query = select(table).order_by(table.c.app, table.c.id)
        if app is not None:
            query = query.where(table.c.app == app)
        if open_only:
            query = query.where(table.c.resolved_at.is_(None))
        return self._read(lambda conn: [rows.violation(r._mapping) for r in conn.execute(query)])

    def runs(self, *, app: str | None = None, limit: int = 50) -> list[AuditRun]:
        table = schema.audit_runs
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if app is not None:
            query = query.where(table.c.app == app)
        return self._read(lambda conn: [rows.audit_run(r._mapping) for r in conn.execute(query)])

    def count_runs(self, *, app: str | None = None) -> int:
        from sqlalchemy import func

        query = select(func.count()).select_from(schema.audit_runs)
        if app is not None:
            query = query.where(schema.audit_runs.c.app == app)
        return int(self._read(lambda conn: conn.execute(query).scalar()) or 0)

    def syncs(self, *, app: str | None = None, limit: int = 50) -> list[SyncOp]:
        table = schema.sync_ops
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if app is not None:
            query = query.where(table.c.app == app)
        return self._read(lambda conn: [rows.sync_op(r._mapping) for r in conn.execute(query)])

    def pull_requests(self, *, app: str | None = None, limit: int = 50) -> list[StoredPullRequest]:
        table = schema.pull_requests
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if app is not None:
            query = query.where(table.c.app == app)
        return self._read(lambda conn: [rows.pull_request(r._mapping) for r in conn.execute(query)])

    def events(self, *, after: int = 0, app: str | None = None, limit: int = 500) -> list[Event]:
        table = schema.events
        query = select(table).where(table.c.id > after).order_by(table.c.id).limit(limit)
        if app is not None:
            query = query.where(table.c.app == app)
        return self._read(lambda conn: [rows.event(r._mapping) for r in conn.execute(query)])

    def event_fingerprints(self, kind: EventType, *, apps: Sequence[str]) -> set[str]:
        """The fingerprints of every stored event of type `kind` of these apps (to emit an
        event once: a reminder per drift and age, a digest per day)."""
        if not apps:
            return set()
        table = schema.events
        query = (
            select(table.c.fingerprint)
            .where(table.c.type == str(kind))
            .where(table.c.app.in_(list(apps)))
        )
        return self._read(lambda conn: {str(r[0]) for r in conn.execute(query)})


def _add_events(conn: Connection, new: Sequence[NewEvent], *, at: datetime) -> list[Event]:
    out = []
    for item in new:
        payload = json.dumps(dict(item.payload), default=str, sort_keys=True)
        result = conn.execute(
            insert(schema.events).values(
                app=item.app,
                type=str(item.type),
                fingerprint=item.fingerprint,
                payload=payload,
                at=at,
            )
        )
        out.append(
            Event(
                id=int(result.inserted_primary_key[0]),  # type: ignore[index]
                app=item.app,
                type=item.type,
                fingerprint=item.fingerprint,
                payload=json.loads(payload),
                at=at,
            )
        )
    return out


def sync_outcome(result: SyncResult) -> str:
    if result.blocked_by:
        return "blocked"
    if result.done:
        return "succeeded"
    return "failed"


def sync_event(result: SyncResult, *, status: str, op_id: int, trigger: str) -> NewEvent | None:
    """The event of a finished (non-dry-run) sync."""
    payload = {
        "op": op_id,
        "trigger": trigger,
        "sync": str(result.sync),
        "applied": sum(1 for a in result.actions if a.action == ActionKind.APPLIED),
        "pruned": sum(1 for a in result.actions if a.action == ActionKind.PRUNED),
        "failed": sum(1 for a in result.actions if a.action == ActionKind.FAILED),
        "skipped": [
            {"resource": str(a.key), "reason": a.reason, "manager": a.manager}
            for a in result.actions
            if a.action == ActionKind.SKIPPED and a.manager
        ],
    }
    if status == "blocked":
        if trigger != "heal":
            return None
        return NewEvent(
            app=result.app,
            type=EventType.AUTO_HEAL_BLOCKED,
            fingerprint=f"sync-{op_id}",
            payload={**payload, "blocked_by": result.blocked_by or ""},
        )
    if status == "succeeded" and trigger == "heal" and payload["skipped"]:
        # Healed, but the loop guard held some resources back: say so.
        return NewEvent(
            app=result.app,
            type=EventType.AUTO_HEAL_BLOCKED,
            fingerprint=f"sync-{op_id}",
            payload={**payload, "blocked_by": "loop guard"},
        )
    kind = EventType.SYNC_SUCCEEDED if status == "succeeded" else EventType.SYNC_FAILED
    return NewEvent(
        app=result.app,
        type=kind,
        fingerprint=f"sync-{op_id}",
        payload={**payload, "error": result.error or ""},
    )


def action_json(action: Any) -> dict[str, Any]:
    return {
        "resource": str(action.key),
        "group": action.key.group,
        "kind": action.key.kind,
        "namespace": action.key.namespace,
        "name": action.key.name,
        "action": str(action.action),
        "reason": action.reason,
        "wave": action.wave,
        "attempts": action.attempts,
        "manager": action.manager,
        "changes": [
            {"path": c.path, "desired": c.desired, "live": c.live, "manager": c.manager}
            for c in action.changes
        ],
    }


def _key_text(key: ResourceKey) -> str:
    return json.dumps([key.group, key.kind, key.namespace, key.name], separators=(",", ":"))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def open_store(*, cache_dir: Path, env: Mapping[str, str] | None = None) -> SqlStore:
    return SqlStore(database_url(cache_dir=cache_dir, env=env))
