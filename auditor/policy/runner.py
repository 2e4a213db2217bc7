"""Evaluating the policies of many apps: cache lookups, batching per scope, an optional
process pool, then pure result handling (violations, exceptions, waivers). With a pool,
each app's results are made (and its cache shelves written) as soon as the batch holding
it comes back, while the workers go on with the next batches.

`PolicyRunner.run` is what the pipeline and the commands call; engines stay behind the
`PolicyEngine` port and only ever see raw Kubernetes objects and the app context.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from auditor import jsonio
from auditor.model import Resource, ResourceKey, SourceLocation, Violation
from auditor.policy.cache import ResultCache, content_hash, context_hash
from auditor.policy.engine import PolicyEngine, RawOutcome
from auditor.policy.library import SCOPES, PolicySet
from auditor.policy.pool import WorkerPool
from auditor.policy.results import policy_ids, to_violations
from auditor.policy.verdicts import Verdicts
from auditor.policy.waivers import apply_waivers


@dataclass(frozen=True)
class PolicyTarget:
    """One app to evaluate: `context` becomes `data.auditor.app`."""

    app: str
    context: Mapping[str, Any]
    resources: tuple[Resource, ...]


@dataclass(frozen=True)
class PolicyResult:
    """The violations of one app, with notes (skipped documents) and counters."""

    app: str
    violations: tuple[Violation, ...] = ()
    notes: tuple[str, ...] = ()
    evaluated: int = 0
    cached: int = 0
    stats: Mapping[str, int] = field(default_factory=dict)


# (scope shelves, resource hash, key, source, app, today): what a resource's final
# violations depend on. Memoized so a warm run is a dict lookup per resource.
_MemoKey = tuple[tuple[str, ...], str, ResourceKey, SourceLocation | None, str, date]
MEMO_LIMIT = 500_000


@dataclass(frozen=True)
class _Task:
    scope: str
    context: Mapping[str, Any]
    shelf: str
    items: tuple[tuple[int, int, str], ...]  # (target index, resource index, resource hash)
    target: int


class PolicyRunner:
    """Evaluates targets with an engine (and, for big batches, a pool of engines)."""

    def __init__(
        self,
        *,
        policies: PolicySet,
        engine: PolicyEngine,
        cache: ResultCache | None = None,
        pool: WorkerPool | None = None,
    ) -> None:
        self.policies = policies
        self.engine = engine
        self.cache = cache or ResultCache()
        self.pool = pool
        self._digest = policies.digest
        self._ids = policy_ids(policies)
        self._memo: dict[_MemoKey, tuple[Violation, ...]] = {}
        self._verdicts = Verdicts(self.cache.directory, policies=self._digest)

    def run(self, targets: Sequence[PolicyTarget], *, today: date) -> list[PolicyResult]:
        """Evaluate every target; results are in the order of `targets`."""
        kept: list[list[Resource]] = []
        notes: list[list[str]] = []
        for target in targets:
            good, skipped = _kubernetes_only(target.resources)
            kept.append(good)
            notes.append(skipped)
        outcomes: dict[tuple[int, int, str], RawOutcome] = {}
        memo_keys: list[list[_MemoKey]] = []
        target_shelves: list[tuple[str, ...]] = []
        tasks: list[_Task] = []
        cached = [0] * len(targets)
        missed = 0
        for t_index, target in enumerate(targets):
            hashes = [content_hash(r.body) for r in kept[t_index]]
            shelves = self._shelves(target, hashes)
            target_shelves.append(shelves)
            keys = [
                (shelves, digest, r.key, r.source, target.app, today)
                for r, digest in zip(kept[t_index], hashes, strict=True)
            ]
            memo_keys.append(keys)
            for key in keys:  # what an earlier run concluded, kept on disk
                if key not in self._memo:
                    found = self._verdicts.get(_verdict_key(key), today=today)
                    if found is not None:
                        self._memo[key] = found
            # A resource whose violations are memoized needs no outcome at all.
            todo = [(i, d) for i, (d, k) in enumerate(zip(hashes, keys, strict=True))]
            todo = [(i, d) for i, d in todo if keys[i] not in self._memo]
            cached[t_index] += (len(hashes) - len(todo)) * len(SCOPES)
            full: Mapping[str, Any] | None = None
            for scope, shelf in zip(SCOPES, shelves, strict=True):
                missing: list[tuple[int, int, str]] = []
                for r_index, digest in todo:
                    hit = self.cache.get(shelf, digest)
                    if hit is None:
                        missing.append((t_index, r_index, digest))
                    else:
                        outcomes[(t_index, r_index, scope)] = hit
                        cached[t_index] += 1
                if missing:
                    # The engine gets the whole context for app and cross scopes, so
                    # both share one compiled bundle per app.
                    if full is None:
                        full = _context("cross", target=target, resources=kept[t_index])
                    context = {} if scope == "resource" else full
                    tasks.append(_Task(scope, context, shelf, tuple(missing), t_index))
                    missed = self._warm_up(missed, len(missing))
        results: list[PolicyResult] = []

        def finish(upto: int) -> None:
            while len(results) < upto:
                i = len(results)
                results.append(
                    self._result(
                        targets[i],
                        resources=kept[i],
                        outcomes=outcomes,
                        index=i,
                        memo_keys=memo_keys[i],
                        notes=notes[i],
                        cached=cached[i],
                        today=today,
                    )
                )
                # The app's own shelves are complete: write them while workers go on.
                self.cache.flush(target_shelves[i][1:])

        # Outcomes arrive batch by batch: the targets they complete are finished while
        # the workers go on with the next batches.
        offsets = [0] * len(tasks)
        for done, pieces in self._execute(tasks, kept):
            for task_index, piece in pieces:
                task, start = tasks[task_index], offsets[task_index]
                offsets[task_index] += len(piece)
                items = task.items[start : start + len(piece)]
                for (t_index, r_index, digest), outcome in zip(items, piece, strict=True):
                    outcomes[(t_index, r_index, task.scope)] = outcome
                    if not outcome.errors:
                        self.cache.put(task.shelf, digest, outcome)
            finish(tasks[done].target if done < len(tasks) else len(targets))
        finish(len(targets))
        self.cache.flush()
        self._verdicts.flush(today=today)
        return results

    def release(self) -> None:
        """Stop the pool's workers if none is in use (see `WorkerPool.close_idle`): a
        round calls it when its evaluations are done, before it grows."""
        if self.pool is not None:
            self.pool.close_idle()

    def _warm_up(self, missed: int, more: int) -> int:
        """Count resources to evaluate; start the pool's workers once they will be used,
        so their start overlaps with the rest of the cache lookups."""
        if self.pool is not None and missed < self.pool.threshold <= missed + more:
            self.pool.warm_up()
        return missed + more

    def _shelves(self, target: PolicyTarget, hashes: Sequence[str]) -> tuple[str, ...]:
        """The cache shelf of each scope: the key holds only what the scope reads (the
        app context; for `cross`, also the app's resources by their hashes)."""
        out = []
        for scope in SCOPES:
            keyed = _context(scope, target=target, resources=())
            if scope == "cross":
                keyed = {**keyed, "resources": list(hashes)}
            out.append(
                self.cache.shelf(policies=self._digest, scope=scope, context=context_hash(keyed))
            )
        return tuple(out)

    def _execute(
        self, tasks: Sequence[_Task], kept: Sequence[Sequence[Resource]]
    ) -> Iterator[tuple[int, list[tuple[int, list[RawOutcome]]]]]:
        """(tasks now complete, [(task index, outcomes of its next items)]) in order."""
        jobs = [
            (task.scope, task.context, [kept[t][r].body for t, r, _ in task.items])
            for task in tasks
        ]
        if self.pool is not None and sum(len(j[2]) for j in jobs) >= self.pool.threshold:
            yield from self.pool.stream(jobs, [task.target for task in tasks])
            return
        for index, (scope, context, bodies) in enumerate(jobs):
            outcomes = self.engine.evaluate(scope=scope, context=context, resources=bodies)
            yield index + 1, [(index, outcomes)]

    def _result(
        self,
        target: PolicyTarget,
        *,
        resources: Sequence[Resource],
        outcomes: Mapping[tuple[int, int, str], RawOutcome],
        index: int,
        memo_keys: Sequence[_MemoKey],
        notes: Sequence[str],
        cached: int,
        today: date,
    ) -> PolicyResult:
        violations: list[Violation] = []
        if len(self._memo) > MEMO_LIMIT:
            self._memo.clear()
        for r_index, resource in enumerate(resources):
            memoized = self._memo.get(memo_keys[r_index])
            if memoized is not None:
                violations.extend(memoized)
                continue
            found: list[Violation] = []
            clean = True
            for scope in SCOPES:
                outcome = outcomes.get((index, r_index, scope))
                if outcome is not None:
                    clean = clean and not outcome.errors
                    found.extend(
                        to_violations(
                            outcome,
                            policies=self.policies,
                            resource=resource,
                            app=target.app,
                            ids=self._ids,
                        )
                    )
            waived = tuple(apply_waivers(found, resource=resource, app=target.app, today=today))
            if clean:
                self._memo[memo_keys[r_index]] = waived
                self._verdicts.put(_verdict_key(memo_keys[r_index]), waived, today=today)
            violations.extend(waived)
        total = len(resources) * len(SCOPES)
        return PolicyResult(
            app=target.app,
            violations=tuple(violations),
            notes=tuple(notes),
            evaluated=total - cached,
            cached=cached,
        )


def _verdict_key(key: _MemoKey) -> str:
    shelves, digest, resource, source, app, today = key
    where = [source.path, source.line] if source else None
    what = [resource.group, resource.kind, resource.namespace, resource.name]
    return jsonio.digest([list(shelves), digest, what, where, app, today.isoformat()])


def _context(
    scope: str, *, target: PolicyTarget, resources: Sequence[Resource]
) -> Mapping[str, Any]:
    if scope == "resource":
        return {}
    if scope == "app":
        return {"app": dict(target.context)}
    return {"app": dict(target.context), "resources": [r.body for r in resources]}


def _kubernetes_only(resources: Sequence[Resource]) -> tuple[list[Resource], list[str]]:
    good: list[Resource] = []
    notes: list[str] = []
    for resource in resources:
        body = resource.body
        if isinstance(body, Mapping) and body.get("apiVersion") and body.get("kind"):
            good.append(resource)
            continue
        where = f"{resource.source.path}:{resource.source.line}" if resource.source else "?"
        notes.append(f"skipped a document that is not a Kubernetes object ({where})")
    return good, notes
