"""Running a `SyncPlan` against a cluster (IO), phase by phase and wave by wave as Argo CD
does: PreSync hooks, the Sync phase (server-side apply as `gitops-auditor`, JSON-patch
removal of fields Git no longer sets, deletes for prunes, Sync hooks), then PostSync
hooks once everything is healthy, and SyncFail hooks when something failed. Hooks are
waited on and deleted per their policies; a wave waits for the health of the one before.

Retries with backoff on transient errors; one object's refusal never stops the others
of its wave, but a failed wave stops the later ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditor.kubemeta.media import APPLY_PATCH, JSON_PATCH
from auditor.live.client import KubeClient
from auditor.live.discovery import ResourceIndex
from auditor.live.dryrun import FIELD_MANAGER, object_path
from auditor.live.errors import ClusterError, ResourceNotFound
from auditor.model import ActionKind, ObjectAction, Retry
from auditor.remediate.hooks import BEFORE_HOOK_CREATION, HOOK_FAILED, HOOK_SUCCEEDED, SYNC_FAIL
from auditor.remediate.paths import parse_path, pointer
from auditor.remediate.plan import ApplyStep, HookStep, PruneStep, SkipStep, Step, SyncPlan
from auditor.remediate.retry import delays
from auditor.remediate.waiting import Waiter


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    status: int
    body: Any
    attempts: int
    message: str = ""


class Applier:
    """Runs plans against one cluster; `sleep` is injected so tests never wait."""

    def __init__(
        self,
        *,
        client: KubeClient,
        index: ResourceIndex,
        retry: Retry | None = None,
        force: bool = True,
        field_manager: str = FIELD_MANAGER,
        sleep: Callable[[float], None],
        wait_seconds: float = 300.0,
    ) -> None:
        self.client = client
        self.index = index
        self.delays = delays(retry)
        self.force = force
        self.field_manager = field_manager
        self.sleep = sleep
        self.waiter = Waiter(client=client, sleep=sleep, timeout=wait_seconds)

    def run(self, plan: SyncPlan) -> list[ObjectAction]:
        """Execute the plan group by group (phase, then wave). A failed group leaves the
        later ones unrun and starts the SyncFail hooks; before each next group the
        resources just applied must be healthy."""
        groups = _groups([s for s in plan.steps if s.phase != SYNC_FAIL])
        actions: list[ObjectAction] = []
        failure: str | None = None
        for index, ((phase, wave), group) in enumerate(groups):
            if failure is not None:
                actions += [_not_run(step, failure) for step in group]
                continue
            done = [self._run_step(step) for step in group]
            actions += done
            if any(a.action == ActionKind.FAILED for a in done):
                failure = f"{phase} wave {wave} failed"
            elif index < len(groups) - 1:
                waited = self.waiter.healthy(self._applied(group, done))
                if not waited.ok:
                    failure = f"{phase} wave {wave} did not become healthy ({waited.message})"
        if failure is not None:
            for _, group in _groups([s for s in plan.steps if s.phase == SYNC_FAIL]):
                actions += [self._run_step(step) for step in group]
        return actions

    def _applied(self, group: list[Step], done: list[ObjectAction]) -> list[tuple[str, str]]:
        out = []
        for step, action in zip(group, done, strict=True):
            if isinstance(step, ApplyStep) and action.action == ActionKind.APPLIED:
                api = str(step.body.get("apiVersion") or "")
                out.append((object_path(self.index, step.key, api), str(step.key)))
        return out

    def _run_step(self, step: Step) -> ObjectAction:
        if isinstance(step, SkipStep):
            return ObjectAction(
                key=step.key,
                action=ActionKind.SKIPPED,
                reason=step.reason,
                wave=step.wave,
                manager=step.manager,
                phase=step.phase,
            )
        if isinstance(step, PruneStep):
            return self._prune(step)
        if isinstance(step, HookStep):
            return self._hook(step)
        return self._apply(step)

    def _hook(self, step: HookStep) -> ObjectAction:
        """Create the hook (deleting a previous one first for BeforeHookCreation), wait
        until it completes, then delete it per HookSucceeded / HookFailed."""
        what = f"{step.phase} hook {step.key}"
        try:
            path = object_path(self.index, step.key, str(step.body.get("apiVersion") or ""))
        except ClusterError as exc:
            return _failed(step, exc.message, attempts=0)
        attempts = 0
        if BEFORE_HOOK_CREATION in step.delete_policies:
            removed = self._delete(path, what=f"delete previous {what}")
            attempts += removed.attempts
            if not removed.ok:
                return _failed(step, removed.message, attempts=attempts)
            if removed.status != 404:
                gone = self.waiter.gone(path, what=str(step.key))
                if not gone.ok:
                    return _failed(step, gone.message, attempts=attempts)
        created = self._send(
            "PATCH",
            path,
            query=[("fieldManager", self.field_manager), ("force", "true")],
            body=json.dumps(dict(step.body)),
            content_type=APPLY_PATCH,
            what=f"create {what}",
        )
        attempts += created.attempts
        if not created.ok:
            return _failed(step, created.message, attempts=attempts)
        waited = self.waiter.hook(path, what=str(step.key))
        policy = HOOK_SUCCEEDED if waited.ok else HOOK_FAILED
        note = ""
        if policy in step.delete_policies:
            deleted = self._delete(path, what=f"delete {what}")
            attempts += deleted.attempts
            note = f"; deleted ({policy})" if deleted.ok else f"; not deleted: {deleted.message}"
        outcome = "succeeded" if waited.ok else "failed"
        detail = f": {waited.message}" if waited.message else ""
        return ObjectAction(
            key=step.key,
            action=ActionKind.HOOK if waited.ok else ActionKind.FAILED,
            reason=f"{step.phase} hook {outcome}{detail}{note}",
            wave=step.wave,
            attempts=created.attempts,  # the create's tries; deletes are not retries of it
            phase=step.phase,
        )

    def _delete(self, path: str, *, what: str, propagation: str = "Foreground") -> _Outcome:
        options = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": propagation}
        return self._send(
            "DELETE",
            path,
            query=[("propagationPolicy", propagation)],
            body=json.dumps(options),
            what=what,
            gone_ok=True,
        )

    def _apply(self, step: ApplyStep) -> ObjectAction:
        try:
            path = object_path(self.index, step.key, str(step.body.get("apiVersion") or ""))
        except ClusterError as exc:
            return _failed(step, exc.message, attempts=0)
        query = [("fieldManager", self.field_manager)]
        if self.force:
            query.append(("force", "true"))
        outcome = self._send(
            "PATCH",
            path,
            query=query,
            body=json.dumps(dict(step.body)),
            content_type=APPLY_PATCH,
            what=f"apply {step.key}",
        )
        if not outcome.ok:
            return _failed(step, outcome.message, attempts=outcome.attempts)
        attempts = outcome.attempts
        ops = removal_ops(outcome.body, step.removals)
        if ops:
            removed = self._send(
                "PATCH",
                path,
                query=[("fieldManager", self.field_manager)],
                body=json.dumps(ops),
                content_type=JSON_PATCH,
                what=f"remove fields of {step.key}",
            )
            attempts += removed.attempts
            if not removed.ok:
                return _failed(step, f"applied, but {removed.message}", attempts=attempts)
        return ObjectAction(
            key=step.key,
            action=ActionKind.APPLIED,
            reason=step.reason,
            changes=step.changes,
            wave=step.wave,
            attempts=attempts,
            phase=step.phase,
        )

    def _prune(self, step: PruneStep) -> ObjectAction:
        try:
            path = object_path(self.index, step.key)
        except ClusterError as exc:
            return _failed(step, exc.message, attempts=0)
        outcome = self._delete(path, what=f"prune {step.key}", propagation=step.propagation)
        if not outcome.ok:
            return _failed(step, outcome.message, attempts=outcome.attempts)
        note = " (already gone)" if outcome.status == 404 else ""
        last = ", PruneLast" if step.last else ""
        return ObjectAction(
            key=step.key,
            action=ActionKind.PRUNED,
            reason=f"Extra: deleted, propagation {step.propagation}{last}{note}",
            wave=step.wave,
            attempts=outcome.attempts,
            phase=step.phase,
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, str]],
        body: str,
        content_type: str = "application/json",
        what: str,
        gone_ok: bool = False,
    ) -> _Outcome:
        """One write, retried while the error is retryable, per the backoff schedule
        (waiting at least what the server's `Retry-After` asks)."""
        attempts = 0
        message = ""
        wait = 0.0
        for planned in [0.0, *self.delays]:
            wait = max(wait, planned)
            if wait:
                self.sleep(wait)
            attempts += 1
            try:
                status, data = self.client.request(
                    method,
                    path,
                    query=query,
                    body=body,
                    content_type=content_type,
                    verb=method.lower(),
                    what=what,
                )
            except ResourceNotFound as exc:
                if gone_ok:
                    return _Outcome(True, 404, None, attempts)
                return _Outcome(False, 404, None, attempts, exc.message)
            except ClusterError as exc:
                message = exc.message
                if not exc.retryable:
                    return _Outcome(False, exc.status or 0, None, attempts, message)
                wait = exc.retry_after or 0.0
                continue
            return _Outcome(True, status, data, attempts)
        retries = attempts - 1
        return _Outcome(False, 0, None, attempts, f"{message} (gave up after {retries} retries)")


def removal_ops(obj: Any, paths: tuple[str, ...]) -> list[dict[str, Any]]:
    """JSON-patch ops removing `paths` (those present) from `obj`, the object just applied;
    list entries removed from the highest index down so earlier removals don't shift them."""
    found = []
    for text in paths:
        target = pointer(obj, parse_path(text))
        if target is not None:
            found.append(target)
    ops: list[dict[str, Any]] = []
    for target in sorted(set(found), key=_pointer_sort_key, reverse=True):
        ops.append({"op": "remove", "path": target})
    return ops


def _pointer_sort_key(target: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(t)) if t.isdigit() else (1, t) for t in target.split("/"))


def _groups(steps: list[Step]) -> list[tuple[tuple[str, int], list[Step]]]:
    """Consecutive steps of one (phase, wave), in plan order."""
    out: list[tuple[tuple[str, int], list[Step]]] = []
    for step in steps:
        mark = (step.phase, step.wave)
        if out and out[-1][0] == mark:
            out[-1][1].append(step)
        else:
            out.append((mark, [step]))
    return out


def _not_run(step: Step, failure: str) -> ObjectAction:
    """A step after a failed group: skipped (a SkipStep keeps its own reason)."""
    reason = step.reason if isinstance(step, SkipStep) else f"not run: {failure}"
    return ObjectAction(
        key=step.key, action=ActionKind.SKIPPED, reason=reason, wave=step.wave, phase=step.phase
    )


def _failed(step: ApplyStep | PruneStep | HookStep, message: str, *, attempts: int) -> ObjectAction:
    return ObjectAction(
        key=step.key,
        action=ActionKind.FAILED,
        reason=message,
        changes=step.changes if isinstance(step, ApplyStep) else (),
        wave=step.wave,
        attempts=attempts,
        phase=step.phase,
    )
