"""`check -o markdown`: a pull-request comment (summary table, then details per app),
split into several comments each below GitHub's 65,536-character limit."""

from __future__ import annotations

from auditor.report.policy.model import CheckedApp, CheckReport, location, subject

LIMIT = 65_536
MARKER = "<!-- gitops-auditor check -->"
_ICON = {"pass": "✅", "fail": "❌", "error": "⚠️"}


def render_markdown(report: CheckReport, *, limit: int = LIMIT) -> list[str]:
    """The comments to post, in order; each is shorter than `limit` characters."""
    head = [MARKER, f"## {_ICON[report.outcome]} gitops-auditor check: {report.outcome}", ""]
    if report.base:
        head.append(f"`{report.base[:12]}` → `{report.head[:12]}`")
        head.append("")
    head += ["| app | deny | warn | error | waived |", "|---|---:|---:|---:|---:|"]
    for app in report.apps:
        unchecked = {report.unrendered: 1} if app.error else {}
        warn = app.count("warn") + unchecked.get("warn", 0)
        error = app.count("error") + unchecked.get("error", 0)
        head.append(
            f"| {_cell(app.name)} | {app.count('deny')} | {warn} | {error} | {app.waived} |"
        )
    blocks = ["\n".join(head) + "\n"]
    for app in report.apps:
        blocks.extend(_app_blocks(app, limit=limit // 2, unrendered=report.unrendered))
    return _pack(blocks, limit=limit)


def _app_blocks(app: CheckedApp, *, limit: int, unrendered: str = "error") -> list[str]:
    lines = [f"\n### {_cell(app.name)}" + (f" (`{app.path}`)" if app.path else ""), ""]
    if app.error:
        lines.append(f"> **{unrendered}:** {app.error}")
    for v in app.violations:
        state = "~~waived~~ " if v.waived else ""
        where = f" — `{location(v)}`" if location(v) else ""
        lines.append(
            f"- {state}**{v.severity}** `{v.policy}` {_cell(subject(v))}: {_cell(v.message)}{where}"
        )
    if not app.violations and not app.error:
        lines.append("No violations.")
    blocks = ["\n".join(lines) + "\n"]
    if app.diff:
        diff = app.diff
        budget = limit - 200
        if len(diff) > budget:
            diff = diff[:budget] + "\n... (diff truncated)\n"
        blocks.append(
            "\n<details><summary>desired-state diff</summary>\n\n```diff\n"
            + diff.replace("```", "``\u200b`")
            + ("" if diff.endswith("\n") else "\n")
            + "```\n</details>\n"
        )
    return blocks


def _pack(blocks: list[str], *, limit: int) -> list[str]:
    comments: list[str] = []
    current = ""
    for block in blocks:
        if len(block) >= limit - 100:
            block = block[: limit - 200] + "\n... (truncated)\n"
        if current and len(current) + len(block) >= limit - 100:
            comments.append(current)
            current = f"{MARKER}\n_(continued)_\n"
        current += block
    comments.append(current)
    total = len(comments)
    if total > 1:
        comments = [c + f"\n_comment {i} of {total}_\n" for i, c in enumerate(comments, start=1)]
    return comments


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
