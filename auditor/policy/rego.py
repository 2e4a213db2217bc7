"""`RegoPolicyEngine`: the embedded engine (regopy, in-process, no server, no network).

Compiles a bundle once (per app context for `app`/`cross` scopes, the app context being
base data, with only the collectors that app's kinds need: `appbundles.py`), then runs
one compiled query per resource and scope; a batch of jobs runs resource by resource so
each resource is converted and set as input once (`inputs.py`). Builtin errors are
strict; a rule that fails at runtime is re-run alone so the error names that rule and
the others count.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import regopy
import regopy.rego_shared as rs

from auditor import jsonio
from auditor.policy.appbundles import AppBundles
from auditor.policy.engine import Job, RawOutcome, exception_names, flatten
from auditor.policy.errors import PolicyLoadError
from auditor.policy.inputs import RegoInput
from auditor.policy.kinds import kind_plans
from auditor.policy.library import ALL_SCOPES, LIVE, PolicySet
from auditor.policy.parse import PolicyModule
from auditor.policy.shim import (
    EXCEPTION_PREFIX,
    SHIM_PACKAGE,
    SHIM_PATH,
    context_data,
    non_empty_scopes,
    rule_ref,
    scope_rules,
    shim_source,
)

_SYNTAX = re.compile(
    r"\(error \d+:(?P<file>[^|]*)\|(?P<offset>\d+)\|\d+\s*\(errormsg \d+:(?P<msg>[^\n]*?)\)\s*$",
    re.MULTILINE,
)
_ERRMSG = re.compile(r"\(errormsg \d+:(?P<msg>[^\n]*?)\)\s*$", re.MULTILINE)
_NOT_FOUND = re.compile(r"Function not found: (?P<name>[\w.]+)")

BUNDLES_KEPT = 4  # compiled per-app bundles an engine keeps


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """rego-cpp prints parse errors on fd 1; keep them off the user's terminal."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


class RegoPolicyEngine:
    """The policies of a `PolicySet`, compiled with regopy."""

    def __init__(
        self, policies: PolicySet, *, kind_filter: bool = True, probe: bool = True
    ) -> None:
        self.policies = policies
        self._shim = shim_source(policies)
        self._rules = scope_rules(policies)
        self._plans = kind_plans(policies, self._rules) if kind_filter else {}
        scopes = non_empty_scopes(policies)
        self._entrypoints = [f"{SHIM_PACKAGE}/{s}" for s in scopes]
        self._bundles: dict[str, tuple[Any, frozenset[str]]] = {}
        every = [e for scope in scopes for e in self._all(scope)]
        # No decision rule at all (`builtin: false` and no paths): nothing to compile,
        # and every query finds nothing.
        self._resource_bundle = self._build({}, probe=probe, entrypoints=every) if every else None
        # Per-app bundles hold only what the app's kinds need: smaller, faster builds.
        self._app = AppBundles(policies, self._rules, self._plans)
        self._runner = _interpreter()
        names = [n for plan in self._plans.values() for n in plan.entries]
        self._entry_bytes = {n: f"{SHIM_PACKAGE}/{n}".encode() for n in [*ALL_SCOPES, *names]}

    def _all(self, scope: str) -> list[str]:
        """The entrypoints of a scope: the whole scope and its kind classes."""
        if not self._rules[scope]:
            return []
        plan = self._plans.get(scope)
        return [f"{SHIM_PACKAGE}/{n}" for n in [scope, *(plan.entries if plan else ())]]

    def close(self) -> None:
        self._bundles.clear()

    def evaluate(
        self,
        *,
        scope: str,
        context: Mapping[str, Any],
        resources: Sequence[Mapping[str, Any]],
    ) -> list[RawOutcome]:
        return self.evaluate_batch([(scope, context, resources)])[0]

    def evaluate_batch(self, jobs: Sequence[Job]) -> list[list[RawOutcome]]:
        """Several `evaluate` calls (scope, context, resources) at once. Queries run
        resource by resource (a resource object shared by several jobs is converted and
        set as input once, then queried in each of its scopes)."""
        plans = [self._queries(scope, context, bodies) for scope, context, bodies in jobs]
        out = [[_EMPTY] * len(bodies) for _, _, bodies in jobs]
        by_resource: dict[int, list[tuple[int, int]]] = {}
        for j, plan in enumerate(plans):
            for position, query in enumerate(plan):
                if query is not None:
                    by_resource.setdefault(id(jobs[j][2][position]), []).append((j, position))
        runner = self._runner
        for places in by_resource.values():
            first_job, first_position = places[0]
            resource = jobs[first_job][2][first_position]
            RegoInput(resource).set_on(runner)
            for j, position in places:
                bundle, entrypoint = plans[j][position] or (None, b"")
                ok, value = _run(runner, bundle=bundle, entrypoint=entrypoint)
                scope, context, _ = jobs[j]
                out[j][position] = (
                    _outcome(value)
                    if ok
                    else self._isolate(scope=scope, context=context, resource=resource)
                )
        return out

    def _queries(
        self, scope: str, context: Mapping[str, Any], resources: Sequence[Mapping[str, Any]]
    ) -> list[tuple[Any, bytes] | None]:
        """(bundle, entrypoint) per resource, None where no rule of the scope applies."""
        if not self._rules[scope]:
            return [None] * len(resources)
        plan = self._plans.get(scope)
        names = [plan.entrypoint(r.get("kind")) if plan else scope for r in resources]
        if not any(names):
            return [None] * len(resources)
        shared = scope in ("resource", LIVE)  # no app data: the bundle built once
        bundle = self._resource_bundle if shared else self._bundle_for(context, resources)
        return [None if n is None else (bundle, self._entry_bytes[n]) for n in names]

    def _bundle_for(
        self, context: Mapping[str, Any], resources: Sequence[Mapping[str, Any]]
    ) -> Any:
        key = json.dumps(context, sort_keys=True, default=str)
        needed = self._app.plan(context, resources)
        cached = self._bundles.get(key)
        if cached is not None and needed <= cached[1]:
            return cached[0]
        # The app context is base data: one bundle per app context (see module doc).
        # An app's calls come together (its scopes share a batch), so a few suffice:
        # each bundle holds the app's resources and its compiled modules (~3 MB).
        if len(self._bundles) >= BUNDLES_KEPT:
            self._bundles.clear()
        spec = self._app.spec(needed | cached[1] if cached else needed)
        bundle = self._build(
            context,
            probe=False,
            checked=False,
            modules=spec.modules,
            shim=spec.shim,
            entrypoints=spec.entrypoints,
        )
        self._bundles[key] = (bundle, spec.names)
        return bundle

    def _build(
        self,
        context: Mapping[str, Any],
        *,
        probe: bool,
        modules: Sequence[PolicyModule] | None = None,
        shim: str | None = None,
        entrypoints: Sequence[str] | None = None,
        checked: bool = True,
    ) -> Any:
        builder = _interpreter()
        # Per-app bundles compile modules the shared bundle compiled with the checks on
        # (at load), so they skip them: ~25% of their build time.
        builder.well_formed_checks_enabled = checked
        with quiet_stdout():
            for module in self.policies.modules if modules is None else modules:
                try:
                    builder.add_module(module.path, module.source)
                except regopy.RegoError as exc:
                    raise _load_error(str(exc), self.policies, default=module.path) from exc
            builder.add_module(SHIM_PATH, self._shim if shim is None else shim)
            builder.add_data(context_data(self.policies.data, context))
            try:
                bundle = builder.build(None, list(entrypoints or self._entrypoints))
            except regopy.RegoError as exc:
                raise _load_error(str(exc), self.policies, default="policies") from exc
        if probe:
            self._probe(bundle)
        return bundle

    def _probe(self, bundle: Any) -> None:
        """Compile errors rego-cpp only reports at query time (unknown functions)."""
        runner = _interpreter()
        runner.set_input(regopy.Input({}))
        for entrypoint in self._entrypoints:
            ok, value = _run(runner, bundle=bundle, entrypoint=entrypoint)
            if not ok and isinstance(value, str) and value.startswith("(error"):
                raise _load_error(value, self.policies, default="policies")

    def _isolate(
        self, *, scope: str, context: Mapping[str, Any], resource: Mapping[str, Any]
    ) -> RawOutcome:
        """Slow path after a failed query: each rule alone, errors kept per rule."""
        interp = self.rule_interpreter(context=context, resource=resource)
        return outcome_of({key: self.rule_result(interp, key) for key in self._rules[scope]})

    def rule_interpreter(self, *, context: Mapping[str, Any], resource: Mapping[str, Any]) -> Any:
        """An interpreter with every module, the app's data and `resource` as input, to
        query rules one by one."""
        interp = _interpreter()
        with quiet_stdout():
            for module in self.policies.modules:
                interp.add_module(module.path, module.source)
            interp.add_data(context_data(self.policies.data, context))
        RegoInput(resource).set_on(interp)
        return interp

    @staticmethod
    def rule_result(interp: Any, key: str) -> tuple[bool, Any]:
        """(True, values) or (False, error) of one rule, by its result key."""
        package, _, rule = key.removeprefix(EXCEPTION_PREFIX).partition("/")
        ok, raw = _run(interp, query=f"[v | v := {rule_ref(package, rule or 'exception')}]")
        return (True, flatten(raw)) if ok else (False, str(raw))


def outcome_of(results: Mapping[str, tuple[bool, Any]]) -> RawOutcome:
    """A `RawOutcome` from rule results by result key: (True, values) or (False, error)."""
    values: dict[str, tuple[Any, ...]] = {}
    exceptions: dict[str, tuple[str, ...]] = {}
    errors: dict[str, str] = {}
    for key, (ok, value) in results.items():
        name = key.removeprefix(EXCEPTION_PREFIX)
        if not ok:
            errors[name] = str(value)
        elif key.startswith(EXCEPTION_PREFIX):
            exceptions[name.partition("/")[0]] = exception_names(value)
        else:
            values[key] = value
    return RawOutcome(values=values, exceptions=exceptions, errors=errors)


_EMPTY = RawOutcome()


def _interpreter() -> Any:
    interp = regopy.Interpreter()
    # Well-formedness checks stay on: they cost ~25% of a bundle's compile time, but
    # without them a construct rego-cpp 1.5.2 mishandles segfaults instead of failing.
    interp.strict_built_in_errors = True
    interp.log_level = regopy.LogLevel.NONE
    return interp


def _run(
    interp: Any, *, bundle: Any = None, entrypoint: str | bytes = "", query: str = ""
) -> tuple[bool, Any]:
    """(True, first expression's value) or (False, error message), at the C API level:
    regopy's `Output` raises on the error text rego-cpp returns for some compile errors."""
    if bundle is not None:
        name = entrypoint if isinstance(entrypoint, bytes) else entrypoint.encode()
        impl = rs.rego.regoBundleQueryEntrypoint(interp._impl, bundle._impl, name)
        if not impl:
            raise regopy.RegoError(rs.rego_get_error(interp._impl))
    else:
        impl = rs.rego_query(interp._impl, query)
    try:
        if not rs.rego_output_ok(impl):
            return False, _node_error(rs.rego_output_node(impl))
        text = rs.rego_output_string(impl)
        if text.startswith("(error"):
            return False, text
        if text == "undefined":
            return True, None
        try:
            parsed = jsonio.loads(text)
        except ValueError:
            # rego-cpp writes some strings (e.g. `sprintf` of a defaulted "") unescaped:
            # read the values from its node tree instead, string by string.
            try:
                return True, _first_expression(rs.rego_output_node(impl))
            except (regopy.RegoError, ValueError) as exc:
                return False, f"the policy's result could not be decoded ({exc})"
        first = parsed[0] if isinstance(parsed, list) else parsed
        expressions = first.get("expressions") or [None]
        return True, expressions[0]
    finally:
        rs.rego_free_output(impl)


_K = rs.NodeKind


def _first_expression(node: Any) -> Any:
    """The first expression of the first result, from rego-cpp's output tree."""
    while rs.rego_node_type(node) in (_K.Results, _K.Result):
        if rs.rego_node_size(node) == 0:
            return None
        node = rs.rego_node_get(node, 0)
    if rs.rego_node_type(node) != _K.Terms or rs.rego_node_size(node) == 0:
        raise ValueError("no expression in the output")
    return _node_value(rs.rego_node_get(node, 0))


def _node_value(node: Any) -> Any:
    """A JSON value from an output node; a string that is not valid JSON text is kept as
    it is written."""
    kind = rs.rego_node_type(node)
    children = [rs.rego_node_get(node, i) for i in range(rs.rego_node_size(node))]
    if kind in (_K.Term, _K.Scalar):
        return _node_value(children[0])
    if kind in (_K.Array, _K.Set, _K.Terms):
        return [_node_value(child) for child in children]
    if kind == _K.Object:
        out: dict[str, Any] = {}
        for item in children:
            key = _node_value(rs.rego_node_get(item, 0))
            out[key if isinstance(key, str) else json.dumps(key)] = _node_value(
                rs.rego_node_get(item, 1)
            )
        return out
    raw = rs.rego_node_value(node)
    if kind == _K.String:
        try:
            text = json.loads(f'"{raw}"')
        except ValueError:
            return raw
        return text if isinstance(text, str) else raw
    if kind == _K.Int:
        return int(raw)
    if kind == _K.Float:
        return float(raw)
    if kind in (_K.Boolean, _K.True_, _K.False_):
        return raw == "true"
    if kind == _K.Null:
        return None
    raise ValueError(f"unexpected node kind {kind}")


def _outcome(value: Mapping[str, Any]) -> RawOutcome:
    values: dict[str, tuple[Any, ...]] = {}
    exceptions: dict[str, tuple[str, ...]] = {}
    for key, raw in (value or {}).items():
        if key.startswith(EXCEPTION_PREFIX):
            exceptions[key.removeprefix(EXCEPTION_PREFIX)] = exception_names(flatten(raw))
        else:
            values[key] = flatten(raw)
    return RawOutcome(values=values, exceptions=exceptions)


def _node_error(node: Any) -> str:
    """The message of a runtime error: rego-cpp returns it as a tree of nodes whose
    leaves are the message, the offending term and the error code."""
    leaves: list[str] = []

    def walk(current: Any) -> None:
        try:
            value = rs.rego_node_value(current)
        except regopy.RegoError:
            value = ""
        if value:
            leaves.append(value)
        for index in range(rs.rego_node_size(current)):
            walk(rs.rego_node_get(current, index))

    walk(node)
    if not leaves:
        return "policy evaluation failed"
    code = leaves[-1] if leaves[-1].endswith("_error") else ""
    return f"{leaves[0]} ({code})" if code and code != leaves[0] else leaves[0]


def _load_error(text: str, policies: PolicySet, *, default: str) -> PolicyLoadError:
    """A typed load error naming the file and line regopy points at."""
    sources = {m.path: m.source for m in policies.modules}
    match = _SYNTAX.search(text)
    if match and match.group("file") in sources:
        source = sources[match.group("file")]
        line = source[: int(match.group("offset"))].count("\n") + 1
        return PolicyLoadError(match.group("msg"), path=match.group("file"), line=line)
    msg_match = _ERRMSG.search(text)
    message = msg_match.group("msg") if msg_match else text.strip().splitlines()[0]
    missing = _NOT_FOUND.search(message)
    if missing:
        needle = re.compile(rf"\b{re.escape(missing.group('name'))}\s*\(")
        for path, source in sources.items():
            for number, line_text in enumerate(source.splitlines(), start=1):
                if needle.search(line_text.split("#", 1)[0]):
                    return PolicyLoadError(message, path=path, line=number)
    return PolicyLoadError(message, path=default)
