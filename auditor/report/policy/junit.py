"""`check -o junit`: one testsuite per app, one testcase per app and policy (conftest's
layout), failures for deny, errors for policy/render errors, warnings in system-out."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from auditor.model import Violation
from auditor.report.policy.model import CheckReport, location, subject


def render_junit(report: CheckReport) -> str:
    root = ET.Element("testsuites", name="gitops-auditor check")
    for app in report.apps:
        suite = ET.SubElement(root, "testsuite", name=app.name)
        by_policy: dict[str, list[Violation]] = defaultdict(list)
        for v in app.violations:
            by_policy[v.policy].append(v)
        cases = 0
        failures = errors = 0
        if app.error:
            case = ET.SubElement(suite, "testcase", classname=app.name, name="render")
            cases += 1
            if report.unrendered == "error":
                ET.SubElement(case, "error", message=app.error).text = app.error
                errors += 1
            else:
                ET.SubElement(case, "system-out").text = f"[warn] {app.error}"
        for policy, found in sorted(by_policy.items()):
            case = ET.SubElement(suite, "testcase", classname=app.name, name=policy)
            cases += 1
            active = [v for v in found if not v.waived]
            text = "\n".join(_line(v) for v in found)
            if any(v.severity == "error" for v in active):
                ET.SubElement(case, "error", message=f"{policy}: evaluation error").text = text
                errors += 1
            elif any(v.severity == "deny" for v in active):
                ET.SubElement(
                    case, "failure", message=f"{policy}: {len(active)} violation(s)"
                ).text = text
                failures += 1
            else:
                ET.SubElement(case, "system-out").text = text
        if cases == 0:
            ET.SubElement(suite, "testcase", classname=app.name, name="policies")
            cases = 1
        suite.set("tests", str(cases))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _line(v: Violation) -> str:
    state = "waived " if v.waived else ""
    where = location(v)
    return f"[{state}{v.severity}] {subject(v)}: {v.message}" + (f" ({where})" if where else "")
