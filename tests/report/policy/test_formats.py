"""Every output format of `check`, from one report: they parse and say the same thing."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from auditor.cli.exits import check_exit
from auditor.report.policy import CheckedApp, CheckOutcome, CheckReport, render_check
from auditor.report.policy.markdown import render_markdown
from tests.helpers.policy import violation


def test_outcome_and_text(report: CheckReport) -> None:
    assert report.outcome == CheckOutcome.ERROR and check_exit(report) == 2  # a render failed
    [text] = render_check(report, fmt="text")
    assert "DENY   images/no-latest" in text and "WAIVED security/host-path" in text
    assert "apps/web/deployment.yaml:7" in text and "kustomize build failed" in text
    assert "\x1b[" not in text
    assert "\x1b[31m" in render_check(report, fmt="text", color=True)[0]


def test_outcomes_and_exit_codes_without_error() -> None:
    warn_only = CheckReport(apps=(CheckedApp(name="a", violations=(violation("x", "warn"),)),))
    assert warn_only.outcome == CheckOutcome.PASS and check_exit(warn_only) == 0
    waived = CheckReport(
        apps=(CheckedApp(name="a", violations=(violation("x", "deny", waived=True),)),)
    )
    assert waived.outcome == CheckOutcome.PASS and check_exit(waived) == 0
    deny = CheckReport(apps=(CheckedApp(name="a", violations=(violation("x", "deny"),)),))
    assert deny.outcome == CheckOutcome.FAIL and check_exit(deny) == 1


def test_json(report: CheckReport) -> None:
    data = json.loads(render_check(report, fmt="json")[0])
    assert data["result"] == "error" and data["summary"]["deny"] == 1
    first = data["apps"][0]["violations"][0]
    assert first["resource"] == {
        "group": "apps",
        "kind": "Deployment",
        "namespace": "dev",
        "name": "web",
    }
    assert first["source"] == {"path": "apps/web/deployment.yaml", "line": 7}


def test_junit_parses_one_testcase_per_app_and_policy(report: CheckReport) -> None:
    root = ET.fromstring(render_check(report, fmt="junit")[0].split("\n", 1)[1])
    web = root.find("testsuite[@name='web-dev']")
    assert web is not None
    names = [c.get("name") for c in web.findall("testcase")]
    assert names == ["images/no-latest", "resources/cpu-limit", "security/host-path"]
    assert web.find("testcase[@name='images/no-latest']/failure") is not None
    assert web.find("testcase[@name='security/host-path']/failure") is None
    assert root.find("testsuite[@name='broken']/testcase/error") is not None


def test_github_workflow_commands(report: CheckReport) -> None:
    out = render_check(report, fmt="github")[0].splitlines()
    assert out[0].startswith(
        "::error file=apps/web/deployment.yaml,line=7,title=images/no-latest (web-dev)::"
    )
    assert "100%25" in out[0]  # data escaped
    assert out[1].startswith("::warning file=apps/web/deployment.yaml,line=7,")
    assert not any("host-path" in line for line in out)  # waived: no annotation


def test_markdown_splits_below_the_limit() -> None:
    many = tuple(violation(f"p/{i}", "deny") for i in range(3000))
    big = CheckReport(apps=(CheckedApp(name="web", violations=many, diff="+x\n" * 40000),))
    comments = render_markdown(big)
    assert len(comments) > 1
    assert all(len(c) < 65_536 for c in comments)
    assert "| web | 3000 |" in comments[0]
    assert comments[-1].endswith(f"_comment {len(comments)} of {len(comments)}_\n")


def test_fail_on_warn_turns_unwaived_warnings_into_failure() -> None:
    warn = CheckReport(apps=(CheckedApp(name="a", violations=(violation("x", "warn"),)),))
    assert check_exit(warn) == 0 and check_exit(warn, fail_on_warn=True) == 1
    waived = CheckReport(
        apps=(CheckedApp(name="a", violations=(violation("x", "warn", waived=True),)),)
    )
    assert check_exit(waived, fail_on_warn=True) == 0
    clean = CheckReport(apps=(CheckedApp(name="a"),))
    assert check_exit(clean, fail_on_warn=True) == 0


def test_codeclimate_report_for_gitlab(report: CheckReport) -> None:
    issues = json.loads(render_check(report, fmt="codeclimate")[0])
    assert [(i["check_name"], i["severity"]) for i in issues] == [
        ("images/no-latest", "major"),
        ("resources/cpu-limit", "minor"),
    ]  # the waived host-path finding is left out
    first = issues[0]
    assert first["location"] == {"path": "apps/web/deployment.yaml", "lines": {"begin": 7}}
    assert first["description"] == "Deployment.apps dev/web: images/no-latest: bad, really: 100%"
    assert first["type"] == "issue" and len({i["fingerprint"] for i in issues}) == 2
    again = json.loads(render_check(report, fmt="codeclimate")[0])
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues]
