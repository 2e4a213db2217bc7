"""The pull-request gate's edges, against the local stand-in for the forge's API (a
contract test): without a configured forge, or with a forge of another kind than the
delivery's, nothing is posted and the summary says why; a change that cannot be checked
marks its head `error` and fails; a report longer than one comment is cut, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import Config
from auditor.errors import AuditorError
from auditor.forge.standin import forge_standin
from auditor.pipeline import Pipeline
from auditor.report.policy.markdown import LIMIT
from auditor.report.policy.model import CheckedApp, CheckReport
from auditor.service import Service
from auditor.service.pr_check import CONTEXT, NOTIFIER, comment_body, gate_change
from auditor.sources.local import init_repo
from auditor.store import SqlStore
from tests.helpers import EXAMPLE_REPO

pytestmark = pytest.mark.contract
HEAD = "0123456789abcdef0123456789abcdef01234567"


def make_service(tmp_path: Path, forge: dict[str, str] | None) -> Service:
    repo = tmp_path / "repo"
    init_repo(EXAMPLE_REPO, repo)
    data: dict[str, object] = {"service": {"repo": str(repo), "revision": "main"}}
    if forge is not None:
        data["remediation"] = {"forge": forge}
    pipeline = Pipeline.from_config(Config.model_validate(data), cache_dir=tmp_path / "cache")
    return Service(pipeline=pipeline, store=SqlStore(f"sqlite:///{tmp_path / 'store.db'}"))


def test_without_a_forge_nothing_is_posted(tmp_path: Path) -> None:
    service = make_service(tmp_path, None)
    summary = gate_change(service, kind="github", number=3, base="main", head=HEAD)
    assert summary == {"forge": "github", "number": 3, "base": "main", "head": HEAD,
                       "error": "remediation.forge is not configured"}  # fmt: skip
    assert service.store.sent_message(NOTIFIER, "", "3") is None


def test_a_delivery_from_another_kind_of_forge_posts_nothing(tmp_path: Path) -> None:
    with forge_standin("acme/deploy") as fake:
        service = make_service(tmp_path, {"kind": "github", "repo": "acme/deploy", "url": fake.url})
        summary = gate_change(service, kind="gitlab", number=3, base="main", head=HEAD)
    assert summary["error"] == "remediation.forge is github, not gitlab"
    assert fake.calls == [] and service.store.sent_message(NOTIFIER, "acme/deploy", "3") is None


def test_a_change_that_cannot_be_checked_marks_its_head_error(tmp_path: Path) -> None:
    with forge_standin("acme/deploy") as fake:
        fake.add_pull("acme/deploy", 3, head="feature")
        service = make_service(tmp_path, {"kind": "github", "repo": "acme/deploy", "url": fake.url})
        with pytest.raises(AuditorError):  # a head that is in no repository
            gate_change(service, kind="github", number=3, base="main", head=HEAD)
    assert [(s["state"], s["context"]) for s in fake.statuses] == [
        ("pending", CONTEXT),
        ("error", CONTEXT),
    ]
    assert "could not check" in fake.statuses[-1]["description"]
    assert fake.comments == [] and fake.violations == []


def test_a_report_longer_than_a_comment_is_cut_and_says_so() -> None:
    huge = "".join(f"+line {i}\n" for i in range(40_000))
    apps = tuple(CheckedApp(name=f"app-{n}", diff=huge) for n in range(3))
    body, truncated = comment_body(CheckReport(apps=apps))
    assert truncated and len(body) < LIMIT
    assert "Only part 1 of" in body and "gitops-auditor check" in body
    short, cut = comment_body(CheckReport(apps=(CheckedApp(name="a", diff="+x\n"),)))
    assert not cut and "Only part" not in short
