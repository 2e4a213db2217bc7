"""Slack messages built from the store: text that comes from a cluster, Git or a policy
can never become a mention or a link (`<!channel>`, `<https://...|...>`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from auditor.store.records import AppState, Finding, FindingKind
from bot.slack import blocks

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
HOSTILE = "<!channel> & <https://evil.example|click>"


def test_live_values_paths_and_messages_are_escaped() -> None:
    state = AppState(
        name="web", project="p", cluster="prod", namespace="shop", path="apps/web",
        mode="report", sync_status="OutOfSync", health_status="Degraded", error=HOSTILE,
        revision="r", drift_fingerprint="f", drift_since=NOW, snoozed_until=None,
        last_run_id=1, updated_at=NOW, health_message=HOSTILE,
    )  # fmt: skip
    finding = Finding(
        "web", "f1", FindingKind.UNMANAGED, "", "ConfigMap", "shop", "settings",
        "metadata.annotations.note", None, HOSTILE, "kubectl-annotate", "", NOW, NOW,
    )  # fmt: skip
    text = json.dumps(blocks.app_blocks(state, [finding], now=NOW + timedelta(minutes=5)))
    assert "<!channel>" not in text and "<https://" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in text
