"""Adapters over the service for people: the Flask web app and the Slack bot.

`create_app(config)` is the one app factory: one blueprint per face (health, metrics and
Slack's `/slack/events` now; the dashboard, the JSON API and forge webhooks register here
too). Views never audit or sync inline: they enqueue jobs and answer. The engine never
imports this package; workers import only its job modules (`bot.slack.jobs`: the Slack
client, never Flask).
"""

from __future__ import annotations

from flask import Flask

from auditor.config import Config, load_config
from bot.context import Context
from bot.health import health
from bot.metrics import metrics
from bot.requests import install as install_request_ids
from bot.slack.settings import SlackSettings
from bot.slack.web import install as install_slack


def create_app(
    config: Config | None = None,
    *,
    context: Context | None = None,
    slack: SlackSettings | None = None,
) -> Flask:
    """The web app over the service described by `config` (default: the config file and
    `GITOPS_AUDITOR_*`); `context` replaces the service, store and queues (tests). Slack's
    endpoint is mounted when `slack` (default: from the environment) is set up."""
    app = Flask(__name__)
    app.config.from_prefixed_env("GITOPS_AUDITOR_WEB")
    resolved = context or Context.from_config(config or load_config())
    app.extensions["gitops-auditor"] = resolved
    install_request_ids(app)
    app.register_blueprint(health)
    app.register_blueprint(metrics)
    settings = slack or SlackSettings.from_env()
    if settings is not None and (settings.signing_secret or settings.app_token):
        install_slack(app, resolved, settings)
    return app
