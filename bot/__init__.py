"""Adapters over the service for people: the Flask web app and the Slack bot.

`create_app(config)` is the one app factory: one blueprint per face (health and metrics
now; the dashboard, the JSON API, Slack and forge webhooks register here too). Views never audit or
sync inline: they enqueue jobs and answer. The engine never imports this package, and
workers never import Flask or Slack.
"""

from __future__ import annotations

from flask import Flask

from auditor.config import Config, load_config
from bot.context import Context
from bot.health import health
from bot.metrics import metrics
from bot.requests import install as install_request_ids


def create_app(config: Config | None = None, *, context: Context | None = None) -> Flask:
    """The web app over the service described by `config` (default: the config file and
    `GITOPS_AUDITOR_*`); `context` replaces the service, store and queues (tests)."""
    app = Flask(__name__)
    app.config.from_prefixed_env("GITOPS_AUDITOR_WEB")
    resolved = context or Context.from_config(config or load_config())
    app.extensions["gitops-auditor"] = resolved
    install_request_ids(app)
    app.register_blueprint(health)
    app.register_blueprint(metrics)
    return app
