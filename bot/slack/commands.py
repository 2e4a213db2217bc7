"""`/gitops <verb> ...` as typed in Slack, parsed (pure): the verb, the app it names, and
its flags, or the usage line to answer with. Anything that is not a well-formed command
(garbage, a 100 KB paste, unicode look-alikes, shell or Block Kit injection in a name)
becomes a `Usage`, so nothing is ever enqueued for it.

App references: `app`, `project/app` and `app@cluster` (both forms may combine), so an
app name that several projects or clusters share can be told apart.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from auditor.store.records import Actor

MAX_TEXT = 400  # characters; Slack allows 4,000, no real command comes near this
VERBS = {
    "sync": "sync <app> [--prune] [--dry-run]: make the cluster match Git",
    "diff": "diff <app>: what differs from Git, field by field, and who changed it",
    "status": "status [app|project|cluster]: sync and health",
    "drift": "drift: drifted apps, oldest drift first",
    "policy": "policy <app>: policy violations",
    "history": "history <app>: audits, syncs and pull requests",
    "pr": "pr <app>: open a pull request adopting the live changes (live wins)",
    "snooze": "snooze <app> <duration>: silence its notifications (30m, 24h, 7d)",
    "help": "help: this list",
}
NEEDS_APP = {"sync", "diff", "policy", "history", "pr", "snooze"}
FLAGS = {"sync": {"--prune", "--dry-run"}}
_NAME = r"[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?"
_REF = re.compile(
    rf"^(?:(?P<project>{_NAME})/)?(?P<app>{_NAME})(?:@(?P<cluster>[A-Za-z0-9._-]{{1,253}}))?$"
)
_DURATION = re.compile(r"^(?:(?P<d>\d{1,3})d)?(?:(?P<h>\d{1,4})h)?(?:(?P<m>\d{1,5})m)?$")
MAX_SNOOZE = timedelta(days=90)


@dataclass(frozen=True)
class AppRef:
    app: str
    project: str = ""
    cluster: str = ""

    def __str__(self) -> str:
        text = f"{self.project}/{self.app}" if self.project else self.app
        return f"{text}@{self.cluster}" if self.cluster else text


@dataclass(frozen=True)
class Command:
    verb: str
    ref: AppRef | None = None
    scope: str = ""  # `status`: an app, project or cluster name
    prune: bool = False
    dry_run: bool = False
    duration: timedelta | None = None


@dataclass(frozen=True)
class Usage:
    """The answer to text that is not a command (ephemeral)."""

    message: str


def help_text() -> str:
    return "\n".join(f"`/gitops {line}`" for line in VERBS.values())


def parse(text: str) -> Command | Usage:
    """The command in `text` (what follows `/gitops`)."""
    if len(text) > MAX_TEXT:
        return Usage(f"That is too long for a command.\n{help_text()}")
    words = text.split()
    if not words:
        return Command(verb="help")
    verb, args = words[0].lower(), words[1:]
    if verb not in VERBS:
        close = difflib.get_close_matches(verb, VERBS, n=1)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        return Usage(f"`{_shown(verb)}` is not a command.{hint}\n{help_text()}")
    flags = [a for a in args if a.startswith("--")]
    plain = [a for a in args if not a.startswith("--")]
    unknown = [f for f in flags if f not in FLAGS.get(verb, set())]
    usage = Usage(f"Usage: `/gitops {VERBS[verb].split(':')[0]}`")
    if unknown:
        return usage
    if verb in ("help", "drift"):
        return Command(verb=verb) if not plain else usage
    if verb == "status":
        if len(plain) > 1 or (plain and not _REF.match(plain[0])):
            return usage
        return Command(verb=verb, scope=plain[0] if plain else "")
    expected = 2 if verb == "snooze" else 1
    if len(plain) != expected:
        return usage
    ref = parse_ref(plain[0])
    if ref is None:
        return Usage(f"`{_shown(plain[0])}` is not an app name.\n{usage.message}")
    if verb == "snooze":
        duration = parse_duration(plain[1])
        if duration is None:
            return Usage(f"`{_shown(plain[1])}` is not a duration (30m, 24h, 7d).")
        return Command(verb=verb, ref=ref, duration=duration)
    return Command(verb=verb, ref=ref, prune="--prune" in flags, dry_run="--dry-run" in flags)


def parse_ref(text: str) -> AppRef | None:
    match = _REF.match(text)
    if match is None:
        return None
    return AppRef(app=match["app"], project=match["project"] or "", cluster=match["cluster"] or "")


def parse_duration(text: str) -> timedelta | None:
    match = _DURATION.match(text.lower())
    if match is None or not any(match.groupdict().values()):
        return None
    parts = {k: int(v or 0) for k, v in match.groupdict().items()}
    duration = timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"])
    return duration if timedelta(0) < duration <= MAX_SNOOZE else None


@dataclass(frozen=True)
class Known:
    """An app as the resolver sees it."""

    name: str
    project: str
    cluster: str


@dataclass(frozen=True)
class Resolved:
    app: Known


@dataclass(frozen=True)
class Unresolved:
    """No single app: the answer names the candidates or the closest names."""

    message: str


def resolve(ref: AppRef, apps: Sequence[Known]) -> Resolved | Unresolved:
    """The one app `ref` names among `apps`."""
    matching = [
        a
        for a in apps
        if a.name == ref.app
        and (not ref.project or a.project == ref.project)
        and (not ref.cluster or a.cluster == ref.cluster)
    ]
    if len(matching) == 1:
        return Resolved(matching[0])
    if matching:
        forms = ", ".join(f"`{a.project}/{a.name}@{a.cluster}`" for a in matching)
        return Unresolved(f"`{ref}` names {len(matching)} apps: say which, {forms}.")
    close = difflib.get_close_matches(ref.app, sorted({a.name for a in apps}), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
    return Unresolved(f"No app `{ref}`.{hint}")


def slack_actor(user: str, channel: str, groups: Sequence[str] = ()) -> Actor:
    """The Slack user as the service sees them: RBAC subjects for user, groups, channel."""
    return Actor(
        user=f"slack:{user}",
        via="slack",
        source=f"slack-channel:{channel}",
        groups=(*groups, f"slack-channel:{channel}"),
    )


def _shown(text: str, limit: int = 40) -> str:
    """User text echoed back: printable, no Slack markup, no mentions, short."""
    safe = re.sub(r"[^A-Za-z0-9._/@:-]", "?", text)
    return safe[:limit] + ("..." if len(safe) > limit else "")
