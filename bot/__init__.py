"""Adapters over the service for people: the Flask web app and the Slack bot.

`create_app(config)` is the one app factory: one blueprint per face (health, metrics, the
dashboard, the JSON API, Slack's `/slack/events`, forge webhooks). Views never audit or
sync inline: they enqueue jobs and answer. The engine never imports this package;
workers import only its job modules (`bot.slack.jobs`: the Slack client, never Flask).
"""

from __future__ import annotations

from flask import Flask

from auditor.config import Config, load_config
from bot import auth
from bot.api import api
from bot.context import Context
from bot.forges import install as install_forges
from bot.health import health
from bot.metrics import metrics
from bot.requests import install as install_request_ids
from bot.slack.settings import SlackSettings
from bot.slack.web import install as install_slack
from bot.web import dashboard


def create_app(
    config: Config | None = None,
    *,
    context: Context | None = None,
    slack: SlackSettings | None = None,
    web: auth.WebSettings | None = None,
) -> Flask:
    """The web app over the service described by `config` (default: the config file and
    `GITOPS_AUDITOR_*`); `context` replaces the service, store and queues (tests). Slack's
    endpoint is mounted when `slack` (default: from the environment) is set up; `web`
    (default: the config's `web` and the environment) sets the sign-in."""
    app = Flask(__name__)
    resolved = context or Context.from_config(config or load_config())
    app.extensions["gitops-auditor"] = resolved
    install_request_ids(app)
    auth.install(app, resolved, web or auth.WebSettings.from_config(resolved.service.config))
    app.register_blueprint(health)
    app.register_blueprint(metrics)
    app.register_blueprint(api)
    app.register_blueprint(dashboard)
    settings = slack or SlackSettings.from_env()
    if settings is not None and (settings.signing_secret or settings.app_token):
        install_slack(app, resolved, settings)
    install_forges(app, resolved)
    return app
