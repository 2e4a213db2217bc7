"""Policy check reports, one module per format behind one entry point (`render_check`).

All pure: a `CheckReport` in, text out (markdown gives several comments when long).
"""

from __future__ import annotations

import json

from auditor.report.policy.codeclimate import render_codeclimate
from auditor.report.policy.github import render_github
from auditor.report.policy.json_report import render_json
from auditor.report.policy.junit import render_junit
from auditor.report.policy.markdown import render_markdown
from auditor.report.policy.model import CheckedApp, CheckOutcome, CheckReport, RuleDoc
from auditor.report.policy.sarif import render_sarif
from auditor.report.policy.text import render_text

FORMATS = ("text", "json", "junit", "sarif", "markdown", "github", "codeclimate")


def render_check(report: CheckReport, *, fmt: str, color: bool = False) -> list[str]:
    """The output documents of `fmt` (one, except markdown when it must be split)."""
    if fmt == "text":
        return [render_text(report, color=color)]
    if fmt == "json":
        return [json.dumps(render_json(report), indent=2) + "\n"]
    if fmt == "junit":
        return [render_junit(report)]
    if fmt == "sarif":
        return [json.dumps(render_sarif(report), indent=2) + "\n"]
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "github":
        return [render_github(report)]
    if fmt == "codeclimate":
        return [json.dumps(render_codeclimate(report), indent=2) + "\n"]
    raise ValueError(f"unknown format {fmt!r}")


__all__ = ["FORMATS", "CheckOutcome", "CheckReport", "CheckedApp", "RuleDoc", "render_check"]
