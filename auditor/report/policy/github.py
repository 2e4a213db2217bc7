"""`check -o github`: GitHub Actions workflow commands, one annotation per finding."""

from __future__ import annotations

from auditor.report.policy.model import CheckReport, subject


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: CheckReport) -> str:
    lines: list[str] = []
    for app in report.apps:
        if app.error:
            level = "error" if report.unrendered == "error" else "warning"
            title = _escape_property(app.name)
            lines.append(f"::{level} title={title}::{_escape_data(app.error)}")
        for v in app.violations:
            if v.waived:
                continue
            command = "warning" if v.severity == "warn" else "error"
            props = []
            if v.source is not None:
                props += [f"file={_escape_property(v.source.path)}", f"line={v.source.line}"]
            props.append(f"title={_escape_property(f'{v.policy} ({app.name})')}")
            message = f"{subject(v)}: {v.message}"
            lines.append(f"::{command} {','.join(props)}::{_escape_data(message)}")
    deny, warn, err = report.total("deny"), report.total("warn"), report.total("error")
    lines.append(
        f"::notice::gitops-auditor check: {deny} deny, {warn} warn, {err} error ({report.outcome})"
    )
    return "\n".join(lines) + "\n"
