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


def test_a_cut_message_links_to_the_full_report() -> None:
    from auditor.config import WebConfig

    state = AppState(
        name="web api", project="p", cluster="prod", namespace="shop", path="apps/web",
        mode="report", sync_status="OutOfSync", health_status="Healthy", error=None,
        revision="r", drift_fingerprint="f", drift_since=NOW, snoozed_until=None,
        last_run_id=1, updated_at=NOW,
    )  # fmt: skip
    findings = [
        Finding(
            "web api",
            f"f{i}",
            FindingKind.DRIFT,
            "",
            "ConfigMap",
            "shop",
            f"c{i}",
            "data.x",
            "1",
            "2",
            "kubectl-edit",
            "",
            NOW,
            NOW,
        )  # fmt: skip
        for i in range(blocks.MAX_FINDINGS + 5)
    ]
    url = WebConfig(public_url="https://audit.example.com/").app_url("web api")
    assert url == "https://audit.example.com/apps/web%20api"
    text = json.dumps(blocks.app_blocks(state, findings, now=NOW, url=url))
    assert f"... and 5 more: <{url}|see them all>" in text
    assert f"<{url}|Full report on the dashboard>" in text
    bare = json.dumps(blocks.app_blocks(state, findings, now=NOW))
    assert "... and 5 more" in bare and "dashboard" not in bare
    assert WebConfig().app_url("web") == ""
