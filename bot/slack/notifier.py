"""The Slack notifier: the store's events posted to the channels that subscribe to them.

Channels come from `notifications.slack` (by trigger and app, project, cluster globs) and
from an Application's own Argo CD annotations, `notifications.argoproj.io/subscribe.
<trigger>.slack: chan1;chan2`, where the trigger is Argo CD's (`on-sync-succeeded`,
`on-sync-failed`, `on-sync-status-unknown`) or `on-<event>` for the others
(`on-drift-detected`...), so Argo CD users get theirs with no new config.

One message per app and drift episode: drift-detected posts it, a change of the drift
updates it, drift-resolved turns it green, in place (`chat.update`). What was sent is in
the store, so a retry after a partial failure neither doubles a message nor loses one;
Slack's 429 is waited out as its Retry-After says. Snoozed apps stay quiet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from auditor.model import App
from auditor.service import Service
from auditor.store.records import AppState, Event, EventType
from bot.slack import blocks
from bot.slack.settings import SlackSettings
from bot.timefmt import age

ANNOTATION = "notifications.argoproj.io/subscribe."
ARGO_TRIGGERS = {
    "on-sync-succeeded": EventType.SYNC_SUCCEEDED,
    "on-sync-failed": EventType.SYNC_FAILED,
    "on-sync-status-unknown": EventType.APP_UNKNOWN,
}
DRIFT = (EventType.DRIFT_DETECTED, EventType.DRIFT_RESOLVED)


def annotation_channels(app: App | None, event: EventType) -> list[str]:
    """The Slack channels an Application's Argo CD annotations subscribe to `event`."""
    if app is None or not app.manifest:
        return []
    annotations = (app.manifest.get("metadata") or {}).get("annotations") or {}
    out = []
    for key, value in annotations.items():
        if not str(key).startswith(ANNOTATION) or not str(key).endswith(".slack"):
            continue
        trigger = str(key)[len(ANNOTATION) : -len(".slack")]
        if ARGO_TRIGGERS.get(trigger) == event or trigger == f"on-{event}":
            out += [c.strip() for c in str(value).replace(",", ";").split(";") if c.strip()]
    return out


class SlackNotifier:
    """Sends events to Slack through the Web API (`chat.postMessage`, `chat.update`)."""

    name = "slack"

    def __init__(self, service: Service, client: WebClient) -> None:
        self.service = service
        self.client = client
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))

    def channels(self, event: Event, app: App | None, state: AppState | None) -> list[str]:
        project = app.project if app else (state.project if state else "")
        cluster = app.cluster if app else (state.cluster if state else "")
        if event.type == EventType.DAILY_DIGEST:
            digests = [s.channel for s in self.service.config.notifications.slack if s.digest]
            return list(dict.fromkeys(digests))
        found = [
            s.channel
            for s in self.service.config.notifications.slack
            if not s.digest
            and str(event.type) in s.triggers
            and fnmatchcase(event.app, s.app)
            and fnmatchcase(project, s.project)
            and fnmatchcase(cluster, s.cluster)
        ]
        return list(dict.fromkeys([*found, *annotation_channels(app, event.type)]))

    def send(self, event: Event) -> None:
        store = self.service.store
        state = store.app(event.app) if event.app else None
        app = self._app(event.app) if event.app else None
        now = datetime.now(UTC)
        if state is not None and state.snoozed_until and state.snoozed_until > now:
            return
        channels = self.channels(event, app, state)
        if not channels:
            return
        key = self.key(event)
        for channel in channels:
            message = (
                self.digest(channel, now=now)
                if event.type == EventType.DAILY_DIGEST
                else self.message(event, state, now=now)
            )
            sent = store.sent_message(self.name, channel, key)
            if sent is not None and sent.event_id >= event.id:
                continue  # sent before a failure in another channel: never twice
            text = blocks.plain(message)
            if sent is not None:
                where, ts = sent.message.split("|", 1)
                response = self.client.chat_update(channel=where, ts=ts, blocks=message, text=text)
            elif event.type == EventType.DRIFT_STILL_OPEN:
                response = self._remind(event, channel, message, text)
            else:
                response = self.client.chat_postMessage(channel=channel, blocks=message, text=text)
            store.remember_message(
                self.name,
                channel,
                key,
                app=event.app,
                message=f"{response['channel']}|{response['ts']}",
                event_id=event.id,
                at=now,
            )

    def _remind(self, event: Event, channel: str, message: list[blocks.Block], text: str) -> Any:
        """A reminder answers the drift's message in its thread (shown in the channel
        too), or stands alone when the channel never got that message."""
        episode = self.service.store.sent_message(self.name, channel, self._episode(event))
        if episode is None:
            return self.client.chat_postMessage(channel=channel, blocks=message, text=text)
        where, ts = episode.message.split("|", 1)
        return self.client.chat_postMessage(
            channel=where, thread_ts=ts, reply_broadcast=True, blocks=message, text=text
        )

    def key(self, event: Event) -> str:
        """Which message shows `event`: one per drift episode, one per reminder, else one
        per event."""
        if event.type in DRIFT:
            return self._episode(event)
        if event.type == EventType.DRIFT_STILL_OPEN:
            return f"{self._episode(event)}|reminder|{event.payload.get('age', '')}"
        if event.type == EventType.DAILY_DIGEST:
            return f"digest|{event.fingerprint}"
        return f"{event.app}|{event.type}|{event.id}"

    def _episode(self, event: Event) -> str:
        return f"{event.app}|drift|{event.payload.get('since', '')}"

    def message(self, event: Event, state: AppState | None, *, now: datetime) -> list[blocks.Block]:
        payload = event.payload
        app = f"*{event.app}*"
        if event.type == EventType.DRIFT_DETECTED and state is not None:
            found = self.service.store.findings(app=event.app)
            url = self.service.config.web.app_url(event.app)
            return blocks.app_blocks(state, found, now=now, url=url)
        if event.type == EventType.DRIFT_RESOLVED:
            since = payload.get("since") or None
            return [blocks.section(f":white_check_mark: {app} is back in line with Git "
                                   f"(drifted for {age(since, now=now)}).")]  # fmt: skip
        if event.type == EventType.DRIFT_STILL_OPEN:
            over = age(now - timedelta(seconds=int(payload.get("age", 0))), now=now)
            return [blocks.section(f":alarm_clock: {app} has drifted for over {over} and is "
                                   "still out of line with Git.")]  # fmt: skip
        if event.type == EventType.APP_UNKNOWN:
            error = blocks.escape(str(payload.get("error", ""))[:500])
            return [blocks.section(f":warning: {app} cannot be compared: {error}")]
        if event.type == EventType.SYNC_SUCCEEDED:
            return [blocks.section(f":white_check_mark: Sync of {app} succeeded.")]
        if event.type == EventType.SYNC_FAILED:
            why = payload.get("error") or payload.get("sync") or ""
            return [blocks.section(f":x: Sync of {app} failed. {blocks.escape(str(why)[:500])}")]
        if event.type == EventType.POLICY_VIOLATION_NEW:
            lines = [
                f"- *{v.get('severity')}* `{v.get('policy')}` {v.get('resource')}: "
                f"{blocks.escape(str(v.get('message'))[:200])}"
                for v in payload.get("violations", [])[:20]
            ]
            return [blocks.section(f":rotating_light: New policy violations in {app}\n"
                                   + "\n".join(lines))]  # fmt: skip
        return [blocks.section(f":no_entry: {app}: {event.type} {str(payload)[:500]}")]

    def digest(self, channel: str, *, now: datetime) -> list[blocks.Block]:
        """A digest channel's summary: the drifted apps its subscriptions cover."""
        rules = [s for s in self.service.config.notifications.slack
                 if s.digest and s.channel == channel]  # fmt: skip
        states = [
            state
            for state in self.service.store.apps()
            if any(
                fnmatchcase(state.name, r.app)
                and fnmatchcase(state.project, r.project)
                and fnmatchcase(state.cluster, r.cluster)
                for r in rules
            )
        ]
        return [blocks.section(f"*Daily drift digest* ({now:%Y-%m-%d})"),
                *blocks.drift_blocks(states, now=now)][: blocks.MAX_BLOCKS]  # fmt: skip

    def _app(self, name: str) -> App | None:
        service = self.service
        try:
            space = service.workspace(
                **service.target, max_age=service.config.service.git_poll_interval
            )
        except Exception:  # noqa: BLE001 - the repo unreadable: send without annotations
            return None
        return space.discovery.app(name)


def notifiers(service: Service, settings: SlackSettings | None) -> Sequence[SlackNotifier]:
    """The Slack notifier when a bot token is set up."""
    if settings is None or not settings.bot_token:
        return ()
    return (SlackNotifier(service, settings.bot_client()),)
