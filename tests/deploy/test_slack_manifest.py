"""deploy/slack-app-manifest.yaml is a valid Slack app manifest (the schema in
tests/data/deploy is written from Slack's manifest field reference) with the slash
command, scopes, events and request URLs the bot serves."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml

from tests.helpers import load
from tests.helpers.deploy import DEPLOY, DEPLOY_DATA

MANIFEST = DEPLOY / "slack-app-manifest.yaml"
EVENTS_URL = "https://<host>/slack/events"
SCOPES = {
    "commands",
    "chat:write",
    "chat:write.public",
    "users:read",
    "usergroups:read",
    "app_mentions:read",
    "channels:history",
}
# Each bot event needs its scope (Slack's events reference).
EVENT_SCOPES = {"app_mention": "app_mentions:read", "message.channels": "channels:history"}


def manifest(host: str = "gitops-auditor.example.com") -> dict[str, Any]:
    """The manifest as a user installs it: with their Ingress host for <host>."""
    return yaml.safe_load(MANIFEST.read_text().replace("<host>", host))  # type: ignore[no-any-return]


def validator() -> jsonschema.Draft202012Validator:
    schema = load(DEPLOY_DATA / "slack-app-manifest.schema.json")
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_manifest_is_valid() -> None:
    errors = [e.message for e in validator().iter_errors(manifest())]
    assert errors == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("display_information", "name"), "x" * 36),
        (("features", "slash_commands", 0, "command"), "gitops"),
        (("settings", "interactivity", "request_url"), "http://plain.example.com/slack/events"),
        (("oauth_config", "scopes", "bot", 0), "chat:write.everything"),
        (("display_information", "long_description"), "too short"),
    ],
)
def test_schema_refuses_what_slack_refuses(path: tuple[Any, ...], value: Any) -> None:
    data = manifest()
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert list(validator().iter_errors(data))


def test_command_scopes_and_urls() -> None:
    raw = yaml.safe_load(MANIFEST.read_text())
    [command] = raw["features"]["slash_commands"]
    assert command["command"] == "/gitops" and command["url"] == EVENTS_URL
    assert set(raw["oauth_config"]["scopes"]["bot"]) == SCOPES
    assert raw["settings"]["interactivity"] == {"is_enabled": True, "request_url": EVENTS_URL}
    events = raw["settings"]["event_subscriptions"]
    assert events["request_url"] == EVENTS_URL
    assert {EVENT_SCOPES[e] for e in events["bot_events"]} <= SCOPES
    assert raw["settings"]["socket_mode_enabled"] is False
