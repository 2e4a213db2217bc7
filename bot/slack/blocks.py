"""Slack messages (Block Kit) built from what the store remembers (pure): an app's drift
field by field (desired -> live, who changed it, when, how long it has been open), its
unmanaged changes apart, a sync's per-object outcome, the fleet's drifted apps. Values
come from the store, where Secret values are already masked. Slack's limits hold: at most
50 blocks, 3,000 characters a section; a long report says how much it left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from auditor.model import SyncResult
from auditor.store.records import AppState, Finding, FindingKind
from bot.timefmt import age

Block = dict[str, Any]
MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_FINDINGS = 20
MANAGERS = {
    "kubectl-edit": "kubectl edit",
    "kubectl-set": "kubectl set",
    "kubectl-scale": "kubectl scale",
    "kubectl-label": "kubectl label",
    "kubectl-annotate": "kubectl annotate",
    "kubectl-patch": "kubectl patch",
    "kubectl-create": "kubectl create",
    "kubectl-client-side-apply": "kubectl apply",
    "kubectl": "kubectl",  # no explicit manager: the user agent (scale, server-side apply)
    "kubectl-rollout": "kubectl rollout",
    "argocd-controller": "Argo CD",
    "gitops-auditor": "gitops-auditor",
    "helm": "Helm",
    "kube-controller-manager": "a Kubernetes controller",
}


def manager_name(manager: str) -> str:
    """`kubectl-edit` -> "kubectl edit"; unknown managers as they are."""
    return MANAGERS.get(manager, manager) if manager else "someone (no field manager)"


def section(text: str) -> Block:
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 20] + "\n... (cut short)"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def message(parts: Sequence[Block] | str) -> list[Block]:
    """A message's blocks: a text as one section, or the blocks as they are."""
    return [section(parts)] if isinstance(parts, str) else list(parts)


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_TEXT]}]}


def button(text: str, action: str, app: str, *, style: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action,
        "value": app,
    }
    if style:
        out["style"] = style
    return out


def escape(text: str) -> str:
    """Text from the cluster, Git or a policy, safe in mrkdwn: Slack reads `<...>` as a
    link or a mention (`<!channel>`) anywhere, code spans included."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _value(value: Any) -> str:
    text = "(unset)" if value is None else str(value)
    text = escape(text.replace("`", "'").replace("\n", " "))
    return f"`{text[:80]}{'...' if len(text) > 80 else ''}`"


def _finding_line(finding: Finding, *, now: datetime) -> str:
    what = f"*{finding.resource}*"
    who = f"by {manager_name(finding.manager)}, {age(finding.changed_at, now=now)} ago"
    opened = f"open {age(finding.first_seen, now=now)}"
    if finding.finding == FindingKind.MISSING:
        return f"{what} is missing from the cluster ({opened})"
    if finding.finding == FindingKind.EXTRA:
        return f"{what} is live but not in Git ({opened})"
    if finding.finding == FindingKind.UNMANAGED:
        return f"{what} `{escape(finding.path)}` = {_value(finding.live)} {who}"
    change = f"{_value(finding.desired)} -> {_value(finding.live)}"
    return f"{what} `{escape(finding.path)}`: {change} {who} ({opened})"


def app_blocks(
    state: AppState, findings: Sequence[Finding], *, now: datetime, url: str = ""
) -> list[Block]:
    """One app's state and its open findings: drift first, unmanaged changes apart; with
    `url` (its dashboard page), a link to the full report, said where findings are cut."""
    health = state.health_status or "Unknown"
    head = f"*{state.name}* is *{state.sync_status}* ({health}) on `{state.cluster}`"
    if state.health_message and health not in ("Healthy", "Unknown"):
        head += f"\n_{escape(state.health_message[:300])}_"
    if state.error:
        head += f"\n:warning: {escape(state.error[:500])}"
    blocks = [section(head)]
    drift = [f for f in findings if f.finding != FindingKind.UNMANAGED]
    unmanaged = [f for f in findings if f.finding == FindingKind.UNMANAGED]
    for title, group in (("Drift", drift), ("Unmanaged changes", unmanaged)):
        if not group:
            continue
        shown = group[:MAX_FINDINGS]
        lines = [_finding_line(f, now=now) for f in shown]
        blocks.append(section(f"*{title}*\n" + "\n".join(f"- {line}" for line in lines)))
        if len(group) > len(shown):
            more = f"... and {len(group) - len(shown)} more"
            blocks.append(context(f"{more}: <{url}|see them all>" if url else more))
    if not findings and state.sync_status == "Synced":
        blocks.append(context("Nothing differs from Git."))
    if url:
        blocks.append(context(f"<{url}|Full report on the dashboard>: diffs, history, policies"))
    if drift:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button("Sync now", "gitops_sync", state.name, style="primary"),
                    button("Show diff", "gitops_diff", state.name),
                    button("Open PR", "gitops_pr", state.name),
                    button("Snooze 24h", "gitops_snooze", state.name),
                ],
            }
        )
    return blocks[:MAX_BLOCKS]


def sync_blocks(result: SyncResult) -> list[Block]:
    """A sync's outcome with one line per object it touched (or would, in a dry run)."""
    verb = "Dry run of the sync" if result.dry_run else "Sync"
    if result.blocked_by:
        head = f":no_entry: {verb} of *{result.app}* blocked: {result.blocked_by}"
    elif result.done:
        head = f":white_check_mark: {verb} of *{result.app}* done: *{result.sync}*"
    else:
        head = f":x: {verb} of *{result.app}* failed: *{result.sync}*"
    lines = [
        f"- `{a.key.kind}/{a.key.name}` {a.action}" + (f": {escape(a.reason)}" if a.reason else "")
        for a in result.actions
    ]
    blocks = [section(head)]
    if lines:
        blocks.append(section("\n".join(lines[:40])))
        if len(lines) > 40:
            blocks.append(context(f"... and {len(lines) - 40} more objects"))
    return blocks


def approval_blocks(app: str, *, requester: str, prune: bool, ident: str) -> list[Block]:
    """A sync that needs a second operator: who asks, what, and the buttons to decide."""
    who = requester.removeprefix("slack:")
    what = f"sync *{app}*" + (" with prune" if prune else "")
    return [
        section(f":raised_hand: <@{who}> asks to {what}. Another operator must approve."),
        {
            "type": "actions",
            "elements": [
                button("Approve", "gitops_approve", ident, style="primary"),
                button("Reject", "gitops_reject", ident, style="danger"),
            ],
        },
    ]


def drift_blocks(states: Sequence[AppState], *, now: datetime) -> list[Block]:
    """The drifted apps, oldest drift first, with how long each has drifted."""
    drifted = sorted(
        (s for s in states if s.sync_status == "OutOfSync"),
        key=lambda s: s.drift_since or now,
    )
    if not drifted:
        return [section(":white_check_mark: No app has drifted.")]
    lines = [
        f"- *{s.name}* on `{s.cluster}`: drifted {age(s.drift_since, now=now)}" for s in drifted
    ]
    blocks = [section(f"*{len(drifted)} drifted app(s)*, oldest first")]
    for start in range(0, min(len(lines), 200), 40):
        blocks.append(section("\n".join(lines[start : start + 40])))
    return blocks[:MAX_BLOCKS]


def status_blocks(states: Sequence[AppState]) -> list[Block]:
    """Sync and health of some apps."""
    if not states:
        return [section("No app matches.")]
    lines = [
        f"- *{s.name}* ({s.project}, `{s.cluster}`): {s.sync_status}, "
        f"{s.health_status or 'Unknown'}"
        for s in sorted(states, key=lambda s: s.name)
    ]
    return [section("\n".join(lines[i : i + 40])) for i in range(0, len(lines), 40)][:MAX_BLOCKS]


def plain(blocks: Sequence[Block]) -> str:
    """The message's notification text (Slack shows it where blocks cannot be)."""
    first = blocks[0]["text"]["text"] if blocks and "text" in blocks[0] else ""
    return str(first)[:300]
