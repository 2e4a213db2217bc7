"""`check -o text`: findings grouped by app, then the desired-state diff; colored on a TTY."""

from __future__ import annotations

from auditor.report.policy.model import CheckOutcome, CheckReport, location, subject

_COLORS = {"deny": "31", "error": "35", "warn": "33", "waived": "2", "ok": "32", "head": "1"}


def _paint(text: str, tone: str, *, color: bool) -> str:
    return f"\x1b[{_COLORS[tone]}m{text}\x1b[0m" if color else text


def render_text(report: CheckReport, *, color: bool = False) -> str:
    lines: list[str] = []
    span = f"{report.base[:12]}..{report.head[:12]}" if report.base else "working tree"
    lines.append(
        _paint(f"gitops-auditor check ({span}): {len(report.apps)} app(s)", "head", color=color)
    )
    for note in report.notes:
        lines.append(f"note: {note}")
    for app in report.apps:
        lines.append("")
        lines.append(
            _paint(f"== {app.name}" + (f" ({app.path})" if app.path else ""), "head", color=color)
        )
        if app.error:
            tone = "error" if report.unrendered == "error" else "warn"
            lines.append(_paint(f"  {tone.upper():<6} {app.error}", tone, color=color))
        for note in app.notes:
            lines.append(f"  note: {note}")
        for v in app.violations:
            tone = "waived" if v.waived else v.severity
            label = "WAIVED" if v.waived else v.severity.upper()
            where = location(v)
            lines.append(
                _paint(f"  {label:<6} {v.policy}", tone, color=color)
                + f"  {subject(v)}"
                + (f"  ({where})" if where else "")
            )
            lines.append(f"         {v.message}")
            if v.waived and v.waiver_reason:
                lines.append(f"         waived: {v.waiver_reason}")
        if not app.violations and not app.error:
            lines.append(_paint("  no violations", "ok", color=color))
        if app.diff:
            lines.append("  desired-state diff:")
            lines.extend(f"    {_diff_line(line, color=color)}" for line in app.diff.splitlines())
    lines.append("")
    deny, warn, err = report.total("deny"), report.total("warn"), report.total("error")
    waived = sum(app.waived for app in report.apps)
    summary = f"{deny} deny, {warn} warn, {err} error, {waived} waived: {report.outcome}"
    tone = {CheckOutcome.PASS: "ok", CheckOutcome.FAIL: "deny"}.get(report.outcome, "error")
    lines.append(_paint(summary, tone, color=color))
    return "\n".join(lines) + "\n"


def _diff_line(line: str, *, color: bool) -> str:
    if not color or line.startswith(("+++", "---")):
        return line
    if line.startswith("+"):
        return _paint(line, "ok", color=True)
    if line.startswith("-"):
        return _paint(line, "deny", color=True)
    return line
