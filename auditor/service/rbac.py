"""One RBAC model for Slack, the web and the API, in Argo CD's own CSV format so teams can
reuse theirs:

    p, role:ops, applications, sync, platform/*, allow
    g, slack:U123ABC, role:ops
    g, slack-group:S0PS, role:ops

`p, <subject>, <resource>, <action>, <object>[, allow|deny]` grants (or denies: deny wins)
an action on objects matching a glob (`project/app` for applications); `g, <subject>,
<role>` gives a subject (a user, group, channel or token, or another role) a role. The
built-in `role:readonly` may `get` everything, `role:admin` everything; `policy_default`
is every subject's role. Pure: the service asks `allowed` before it acts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache

from auditor.errors import ConfigError

READONLY = "role:readonly"
ADMIN = "role:admin"

# Resources and actions the auditor knows (Argo CD's names where they exist).
APPLICATIONS = "applications"
GET, SYNC, UPDATE = "get", "sync", "update"  # update: snooze, open an adopt PR

BUILTIN = """
p, role:readonly, applications, get, */*, allow
p, role:readonly, projects, get, *, allow
p, role:readonly, clusters, get, *, allow
p, role:admin, *, *, *, allow
"""


@dataclass(frozen=True)
class Grant:
    subject: str
    resource: str
    action: str
    object: str
    allow: bool


@dataclass(frozen=True)
class Policy:
    """Parsed grants and role bindings, with the default role."""

    grants: tuple[Grant, ...]
    bindings: tuple[tuple[str, str], ...]  # (subject, role)
    default_role: str = READONLY

    @classmethod
    def parse(
        cls, text: str, *, default_role: str = READONLY, origin: str = "rbac.policy"
    ) -> Policy:
        """Read Argo CD's RBAC CSV (comments with `#`); a bad line is a `ConfigError`."""
        grants: list[Grant] = []
        bindings: list[tuple[str, str]] = []
        for source, body in (("built-in policy", BUILTIN), (origin, text)):
            for number, line in enumerate(body.splitlines(), start=1):
                stripped = line.strip()
                if not stripped or stripped.startswith("#"):
                    continue
                fields = [f.strip() for f in next(csv.reader(io.StringIO(stripped)))]
                where = f"{source} line {number}"
                if fields[0] == "p" and len(fields) in (5, 6):
                    effect = fields[5].lower() if len(fields) == 6 else "allow"
                    if effect not in ("allow", "deny"):
                        raise ConfigError(f"{where}: effect must be allow or deny, not {effect!r}")
                    subject, resource, action, obj = fields[1:5]
                    grants.append(Grant(subject, resource, action, obj, allow=effect == "allow"))
                elif fields[0] == "g" and len(fields) == 3:
                    bindings.append((fields[1], fields[2]))
                else:
                    raise ConfigError(
                        f"{where}: expected `p, subject, resource, action, object[, effect]` "
                        f"or `g, subject, role`, got {stripped!r}"
                    )
        return cls(grants=tuple(grants), bindings=tuple(bindings), default_role=default_role)

    def roles(self, subjects: Iterable[str]) -> set[str]:
        """Every role (and subject) the subjects act as, role inheritance included."""
        return set(self._roles(frozenset(subjects)))

    @lru_cache(maxsize=1024)  # noqa: B019 - policies live as long as the process
    def _roles(self, subjects: frozenset[str]) -> frozenset[str]:
        found = set(subjects) | {self.default_role}
        pending = list(found)
        while pending:
            current = pending.pop()
            for subject, role in self.bindings:
                if subject == current and role not in found:
                    found.add(role)
                    pending.append(role)
        return frozenset(found)

    def allowed(self, subjects: Sequence[str], *, resource: str, action: str, obj: str) -> bool:
        """Whether any of `subjects` may do `action` on `obj` (no matching deny)."""
        return self.checker(subjects, resource=resource, action=action)(obj)

    def checker(
        self, subjects: Sequence[str], *, resource: str, action: str
    ) -> Callable[[str], bool]:
        """`allowed` for many objects: the subjects' grants for the action, found once."""
        acting = self._roles(frozenset(subjects))
        relevant = [
            g
            for g in self.grants
            if g.subject in acting and _match(g.resource, resource) and _match(g.action, action)
        ]

        def check(obj: str) -> bool:
            matched = [g for g in relevant if _match(g.object, obj)]
            return bool(matched) and all(g.allow for g in matched)

        return check


def _match(pattern: str, value: str) -> bool:
    return pattern == "*" or fnmatchcase(value, pattern)


def app_object(*, project: str, app: str) -> str:
    """The RBAC object of an application, as Argo CD names it."""
    return f"{project}/{app}"
