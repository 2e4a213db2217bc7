"""The commit-status notifier: each app's drift as a GitHub commit status on the commit the
app was last audited at (context `gitops-auditor/<app>`): `failure` when it drifted or a
sync failed, `success` when it is back in line or synced, `error` when it could not be
compared. Through `remediation.forge` (GitHub) and its token."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from auditor.errors import ConfigError
from auditor.forge.factory import forge_from_config
from auditor.forge.github import GitHubForge
from auditor.store.records import Event, EventType

if TYPE_CHECKING:
    from auditor.service.service import Service

STATES = {
    EventType.DRIFT_DETECTED: ("failure", "drifted from Git"),
    EventType.DRIFT_RESOLVED: ("success", "in line with Git"),
    EventType.SYNC_SUCCEEDED: ("success", "synced"),
    EventType.SYNC_FAILED: ("failure", "sync failed"),
    EventType.APP_UNKNOWN: ("error", "could not be compared"),
}
_SHA = re.compile(r"^[0-9a-f]{40}$")


class CommitStatusNotifier:
    name = "github-status"

    def __init__(self, service: Service, forge: GitHubForge) -> None:
        self.service = service
        self.forge = forge

    def send(self, event: Event) -> None:
        state = self.service.store.app(event.app)
        if event.type not in STATES or state is None or not _SHA.match(state.revision):
            return  # a working tree or a branch name: no commit to mark
        status, description = STATES[event.type]
        self.forge.set_status(
            state.revision,
            state=status,
            context=f"gitops-auditor/{event.app}",
            description=f"{event.app} on {state.cluster}: {description}",
        )


def commit_status_notifiers(service: Service) -> list[CommitStatusNotifier]:
    config = service.config
    if not config.notifications.commit_status:
        return []
    forge_config = config.remediation.forge
    if forge_config is None or forge_config.kind != "github":
        raise ConfigError("notifications.commit_status needs remediation.forge of kind github")
    forge = forge_from_config(forge_config, timeout=config.timeouts.forge_seconds)
    assert isinstance(forge, GitHubForge)
    return [CommitStatusNotifier(service, forge)]
