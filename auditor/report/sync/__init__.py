"""Sync (heal) results as text and JSON (pure renderers, one file per format)."""

from auditor.report.sync.json_out import sync_json
from auditor.report.sync.text import sync_text

__all__ = ["sync_json", "sync_text"]
