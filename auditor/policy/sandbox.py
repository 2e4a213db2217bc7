"""Policies are untrusted code: the embedded engine runs them in forked processes with no
environment (`opa.runtime()` sees none of the Git or forge tokens) and an address-space
limit. A process that dies (past the limit, or a crash of rego-cpp) costs only the rule it
was running: `isolated_outcomes` re-runs its resources one by one, then the rules of the
resource it died on one by one, and reports the rule that killed it as that rule's error.

`SandboxedPolicyEngine` is the `PolicyEngine` the runner uses for the embedded engine.
"""

from __future__ import annotations

import ctypes
import faulthandler
import importlib.metadata
import multiprocessing
import os
import resource
from collections.abc import Callable, Mapping, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from auditor import jsonio
from auditor.policy.engine import Job, RawOutcome
from auditor.policy.errors import PolicyLoadError
from auditor.policy.library import PolicySet
from auditor.policy.rego import RegoPolicyEngine, outcome_of
from auditor.policy.shim import scope_rules

if TYPE_CHECKING:
    from auditor.policy.pool import WorkerPool

DEFAULT_MEMORY_MB = 1024
T = TypeVar("T")
_STATE: dict[str, Any] = {}  # the engine of a sandbox process, built by its setup


def confine(memory_mb: int) -> None:
    """Make this (forked) process a sandbox: no environment, at most `memory_mb` MiB of
    address space more than it holds now (0: no limit), its output discarded (rego-cpp
    reports a failed allocation on stderr before it aborts)."""
    os.environ.clear()
    _clearenv()
    faulthandler.disable()  # a dying sandbox is expected; its report is noise
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    if memory_mb <= 0:
        return
    limit = _address_space() + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _clearenv() -> None:
    """Also the C library's environment, which rego-cpp reads (a library may have set
    variables there that `os.environ` never saw)."""
    try:
        libc = ctypes.CDLL(None)
        environ = ctypes.POINTER(ctypes.c_char_p).in_dll(libc, "environ")
    except (OSError, ValueError):  # pragma: no cover - no C `environ` to read
        return
    names: list[bytes] = []
    while environ and environ[len(names)]:
        names.append(bytes(environ[len(names)]).split(b"=", 1)[0])
    # unsetenv, not clearenv: clearenv leaves `environ` NULL, which rego-cpp's
    # `opa.runtime()` does not expect.
    for name in names:
        libc.unsetenv(name)


def _address_space() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def streamed(
    items: Sequence[T], work: Callable[[T], Any], *, setup: Callable[[], None]
) -> list[tuple[bool, Any]]:
    """`(True, work(item))` per item, computed in a forked process after `setup`; an item
    the process died on gives `(False, None)` and a fresh process goes on with the next."""
    context = multiprocessing.get_context("fork")
    out: list[tuple[bool, Any]] = []
    while len(out) < len(items):
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(
            target=_serve, args=(writer, items[len(out) :], work, setup), daemon=True
        )
        process.start()
        writer.close()
        try:
            while True:
                out.append((True, reader.recv()))
        except EOFError:
            pass
        finally:
            reader.close()
        process.join()
        if len(out) < len(items):
            out.append((False, None))
    return out


def _serve(
    conn: Connection, items: Sequence[Any], work: Callable[[Any], Any], setup: Callable[[], None]
) -> None:
    try:
        setup()
        for item in items:
            conn.send(work(item))
    finally:
        conn.close()


def _engine() -> RegoPolicyEngine:
    engine: RegoPolicyEngine = _STATE["engine"]
    return engine


def start_engine(policies: PolicySet, *, memory_mb: int) -> None:
    """Setup of a sandbox process: confine it, then compile the policies (validated by
    the parent already, so no probe)."""
    confine(memory_mb)
    _STATE["engine"] = RegoPolicyEngine(policies, probe=False)


def killed(memory_mb: int) -> str:
    limit = f"the memory limit of {memory_mb} MiB" if memory_mb > 0 else "its memory"
    return f"the policy process was killed (past {limit}, or a crash)"


def isolated_outcomes(policies: PolicySet, job: Job, *, memory_mb: int) -> list[RawOutcome]:
    """The outcomes of one job, each resource evaluated in a sandbox process; for a
    resource the process died on, each rule alone, so only the culprit is an error."""
    scope, context, bodies = job

    def one(index: int) -> RawOutcome:
        [outcome] = _engine().evaluate(scope=scope, context=context, resources=[bodies[index]])
        return outcome

    def setup() -> None:
        start_engine(policies, memory_mb=memory_mb)

    results = streamed(list(range(len(bodies))), one, setup=setup)
    return [
        value if ok else _rule_by_rule(policies, scope, context, bodies[i], memory_mb=memory_mb)
        for i, (ok, value) in enumerate(results)
    ]


def _rule_by_rule(
    policies: PolicySet,
    scope: str,
    context: Mapping[str, Any],
    body: Mapping[str, Any],
    *,
    memory_mb: int,
) -> RawOutcome:
    def setup() -> None:
        start_engine(policies, memory_mb=memory_mb)
        _STATE["interp"] = _engine().rule_interpreter(context=context, resource=body)

    def one(key: str) -> tuple[bool, Any]:
        return RegoPolicyEngine.rule_result(_STATE["interp"], key)

    keys = list(scope_rules(policies)[scope])
    results = streamed(keys, one, setup=setup)
    died = (False, killed(memory_mb))
    return outcome_of(
        {key: value if ok else died for key, (ok, value) in zip(keys, results, strict=True)}
    )


_REGOPY = importlib.metadata.version("regopy")


def validate(policies: PolicySet, *, memory_mb: int) -> None:
    """Compile the policies (and probe them) in a sandbox: a load error is raised here,
    naming file and line; a process that dies leaves the verdict to evaluation."""

    def check(_: None) -> tuple[str, str, int | None] | None:
        try:
            RegoPolicyEngine(policies)
        except PolicyLoadError as exc:
            where = f"{exc.path}:{exc.line}: " if exc.path and exc.line is not None else ""
            where = where or (f"{exc.path}: " if exc.path else "")
            return exc.message.removeprefix(where), exc.path, exc.line
        return None

    [(ok, found)] = streamed([None], check, setup=lambda: confine(memory_mb))
    if ok and found is not None:
        message, path, line = found
        raise PolicyLoadError(message, path=path, line=line)


class SandboxedPolicyEngine:
    """The embedded engine behind the sandbox: every evaluation runs in the pool's
    confined worker processes, never in this one."""

    def __init__(
        self, policies: PolicySet, *, pool: WorkerPool, validated: Path | None = None
    ) -> None:
        """`validated`: a directory remembering the policy sets that compiled in a
        sandbox before (by digest and regopy version): those are not compiled again."""
        mark = validated / f"{policies.digest[:32]}-{_REGOPY}" if validated else None
        if mark is None or not mark.exists():
            validate(policies, memory_mb=pool.memory_mb)
            if mark is not None:
                jsonio.write_atomic(mark, b"{}")
        self.policies = policies
        self.pool = pool

    def evaluate(
        self,
        *,
        scope: str,
        context: Mapping[str, Any],
        resources: Sequence[Mapping[str, Any]],
    ) -> list[RawOutcome]:
        if not resources:
            return []
        return self.pool.evaluate([(scope, context, resources)])[0]

    def close(self) -> None:
        self.pool.close()
