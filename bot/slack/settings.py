"""Slack's settings, from the environment (secrets from `NAME` or `NAME_FILE`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from slack_sdk import WebClient

from auditor.secretenv import read_secret


@dataclass(frozen=True)
class SlackSettings:
    signing_secret: str
    bot_token: str = ""
    api_url: str = "https://slack.com/api/"
    app_token: str = ""  # xapp-...: Socket Mode, for installs with no public ingress

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SlackSettings | None:
        """From `SLACK_SIGNING_SECRET` (web: requests), `SLACK_BOT_TOKEN` (workers:
        notifications), `SLACK_APP_TOKEN` (web: Socket Mode), their `_FILE`s, and
        `SLACK_API_URL`; None when none is set."""
        env = os.environ if env is None else env
        secret = read_secret("SLACK_SIGNING_SECRET", env=env)
        token = read_secret("SLACK_BOT_TOKEN", env=env)
        app_token = read_secret("SLACK_APP_TOKEN", env=env)
        if not secret and not token and not app_token:
            return None
        api_url = env.get("SLACK_API_URL", "").strip() or cls.api_url
        return cls(
            signing_secret=secret,
            bot_token=token,
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            app_token=app_token,
        )

    def bot_client(self) -> WebClient:
        """The bot's Web API client (chat, user groups), bounded to 30 s a call."""
        return WebClient(token=self.bot_token, base_url=self.api_url, timeout=30)
