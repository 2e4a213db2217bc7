"""Policies on desired state: Rego v1 (conftest conventions) evaluated per resource.

`load_policy_set` reads the built-in library and user directories, `build_engine` makes
the configured engine (embedded regopy, or an OPA server), `PolicyRunner` evaluates apps
with caching and a process pool. No git, no cluster client here.
"""

from __future__ import annotations

from pathlib import Path

from auditor.config import PolicyConfig
from auditor.policy.cache import ResultCache
from auditor.policy.engine import PolicyEngine, RawOutcome
from auditor.policy.errors import PolicyEngineError, PolicyError, PolicyLoadError
from auditor.policy.library import PolicySet, load_policy_set
from auditor.policy.pool import WorkerPool
from auditor.policy.rego import RegoPolicyEngine
from auditor.policy.runner import PolicyResult, PolicyRunner, PolicyTarget
from auditor.policy.sandbox import SandboxedPolicyEngine


def build_engine(
    policies: PolicySet,
    *,
    config: PolicyConfig,
    pool: WorkerPool | None = None,
    cache_dir: Path | None = None,
) -> PolicyEngine:
    """The engine `policy.engine` names; loading errors surface here, before any run.
    The embedded engine runs in `pool`'s sandbox processes when one is given (a policy
    set that compiled there once, as `cache_dir` remembers, is not compiled again)."""
    if config.engine == "opa":
        from auditor.policy.opa_server import OpaServerPolicyEngine

        if not config.opa_url:
            raise PolicyEngineError("policy.engine is 'opa' but policy.opa_url is not set")
        return OpaServerPolicyEngine(policies, url=config.opa_url, token=config.opa_token)
    if pool is not None:
        validated = cache_dir / "validated" if cache_dir is not None else None
        return SandboxedPolicyEngine(policies, pool=pool, validated=validated)
    return RegoPolicyEngine(policies)


def build_runner(
    policies: PolicySet, *, config: PolicyConfig, cache_dir: Path | None, workers: int | None = None
) -> PolicyRunner:
    """A runner with the configured engine and a disk cache; the embedded engine runs
    every evaluation in sandboxed worker processes (policies are untrusted code)."""
    pool = None
    if config.engine == "regopy":
        pool = WorkerPool(
            policies=policies, workers=workers, threshold=1, memory_mb=config.memory_mb
        )
    engine = build_engine(policies, config=config, pool=pool, cache_dir=cache_dir)
    return PolicyRunner(
        policies=policies,
        engine=engine,
        cache=ResultCache(cache_dir),
        pool=pool,
    )


__all__ = [
    "PolicyEngine",
    "PolicyEngineError",
    "PolicyError",
    "PolicyLoadError",
    "PolicyResult",
    "PolicyRunner",
    "PolicySet",
    "PolicyTarget",
    "RawOutcome",
    "RegoPolicyEngine",
    "ResultCache",
    "SandboxedPolicyEngine",
    "WorkerPool",
    "build_engine",
    "build_runner",
    "load_policy_set",
]
