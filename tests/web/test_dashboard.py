"""The dashboard's pages over a real service, through Flask's test client: sign-in (a token
on /login, a bearer header, an auth proxy), the apps list's filters, an app's page with
its diff, unmanaged changes and violations, the fleet page's chart, CSRF on every form,
Sync as an operator and refused as a viewer, and no Secret value in any page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from rq import Queue

from auditor.jobs import runtime
from tests.web.conftest import Web, secret_forms

pytestmark = [pytest.mark.slow, pytest.mark.redis]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def page(web: Web, path: str, who: str = "viewer") -> str:
    response = web.app.test_client().get(path, headers=web.headers(who))
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def signed_in(web: Web, who: str) -> FlaskClient:
    """A browser-like client: signed in with a token on the login form (a session)."""
    client = web.app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = CSRF.search(form)
    assert token is not None
    done = client.post(
        "/login",
        data={"token": web.tokens[who], "csrf_token": token.group(1), "next": "/fleet"},
    )
    assert done.status_code == 302 and done.headers["Location"] == "/fleet"
    return client


def csrf_of(client: FlaskClient, path: str) -> str:
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_pages_need_a_signed_in_user(web: Web) -> None:
    client = web.app.test_client()
    for path in ("/apps", "/apps/billing", "/fleet"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    bad = client.get("/apps", headers={"Authorization": "Bearer gat_wrong"})
    assert bad.status_code == 401


def test_sign_in_with_a_token_sets_a_secure_http_only_session(web: Web) -> None:
    client = web.app.test_client()
    token = csrf_of(client, "/login")
    wrong = client.post("/login", data={"token": "gat_wrong", "csrf_token": token})
    assert wrong.status_code == 401 and "not valid" in wrong.get_data(as_text=True)
    done = client.post("/login", data={"token": web.tokens["viewer"], "csrf_token": token})
    cookie = done.headers["Set-Cookie"]
    assert "gitops_auditor_session=" in cookie and "Secure" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert web.tokens["viewer"] not in cookie
    no_csrf = client.post("/login", data={"token": web.tokens["viewer"]})
    assert no_csrf.status_code == 400
    token = csrf_of(client, "/login")  # signing in starts a new session (and CSRF token)
    evil = client.post(
        "/login",
        data={"token": web.tokens["viewer"], "csrf_token": token, "next": "//evil.example"},
    )
    assert evil.headers["Location"] == "/apps"  # never an open redirect


def test_the_apps_list_shows_status_drift_and_policies_and_filters(web: Web) -> None:
    html = page(web, "/apps")
    rows = dict(re.findall(r'<tr data-app="([^"]+)">(.*?)</tr>', html, re.S))
    assert {"billing", "my-api-production", "my-api-staging"} <= set(rows)
    assert "OutOfSync" in rows["billing"] and "production" in rows["billing"]
    assert re.search(r'class="num">[1-9]', rows["billing"])  # its drift count
    assert "Synced" in rows["my-api-staging"]
    assert re.search(r"\d+[smhd]", rows["billing"])  # how long it has drifted
    store = runtime.service().store
    flagged = {s.state.name: s.violations for s in store.app_summaries() if s.violations}
    assert flagged, "the demo repo violates built-in policies"
    for name, counts in flagged.items():
        for severity, n in counts.items():
            assert f"{n} {severity}</span>" in rows[name]  # its policy badges
    drifted = page(web, "/apps?status=OutOfSync")
    assert 'data-app="billing"' in drifted and 'data-app="my-api-staging"' not in drifted
    found = page(web, "/apps?q=staging&cluster=in-cluster")
    assert re.findall(r'data-app="([^"]+)"', found) == ["my-api-staging"]
    assert "No app matches" in page(web, "/apps?q=no-such-app")


def test_an_app_page_shows_its_diff_unmanaged_changes_and_history(web: Web) -> None:
    html = page(web, "/apps/my-api-production")
    assert '<span class="add">' in html and '<span class="del">' in html
    assert "v1.4.3-hotfix" in html  # the live image, in the diff
    staging = page(web, "/apps/my-api-staging")
    unmanaged = staging.split("Unmanaged changes", 1)[1].split("Policy violations", 1)[0]
    assert "metadata.labels.owner" in unmanaged and "kubectl-label" in unmanaged
    assert "History" in html and "schedule" in html  # the rounds' audits


def test_violations_show_the_rules_doc(web: Web) -> None:
    store = runtime.service().store
    violated = [v for v in store.violations() if v.policy in runtime.service().rule_docs]
    assert violated, "the demo repo violates built-in policies"
    v = violated[0]
    doc = runtime.service().rule_docs[v.policy]
    html = page(web, f"/apps/{v.app}")
    assert v.policy in html and (doc.title or "About this rule") in html


def test_the_fleet_page_draws_drift_per_cluster(web: Web) -> None:
    html = page(web, "/fleet")
    lines = re.findall(r'<polyline points="([^"]+)"[^>]*data-cluster="([^"]+)"', html)
    assert {c for _, c in lines} == {"in-cluster", "production"}
    production = dict((c, p) for p, c in lines)["production"]
    heights = [float(xy.split(",")[1]) for xy in production.split()]
    assert heights[-1] < heights[0]  # more drifted apps now than a week ago: the line rose
    assert "kubectl-set" in html  # a manager that caused drift
    oldest = html.split("Oldest open drift", 1)[1]
    assert "billing" in oldest


def test_no_secret_value_reaches_any_page(web: Web) -> None:
    for path in ("/apps", "/apps/billing", "/fleet"):
        html = page(web, path)
        for form in secret_forms():
            assert form not in html, path
    assert "Secret" in page(web, "/apps/billing")  # the drifted Secret is listed


def sync_jobs(app: str) -> list[Any]:
    queue = Queue("syncs", connection=runtime.jobs().redis)
    return [j for j in queue.get_jobs() if j.kwargs.get("app") == app]


def test_sync_as_an_operator_and_refused_as_a_viewer(web: Web) -> None:
    viewer = signed_in(web, "viewer")
    html = viewer.get("/apps/another-service-dev").get_data(as_text=True)
    assert ">Sync</button>" not in html and "do not let you sync" in html
    token = csrf_of(viewer, "/apps/another-service-dev")
    refused = viewer.post("/apps/another-service-dev/sync", data={"csrf_token": token})
    assert refused.status_code == 403 and "may not sync" in refused.get_data(as_text=True)
    assert sync_jobs("another-service-dev") == []
    operator = signed_in(web, "operator")
    assert ">Sync</button>" in operator.get("/apps/another-service-dev").get_data(as_text=True)
    forged = operator.post("/apps/another-service-dev/sync", data={"dry_run": "0"})
    assert forged.status_code == 400  # no CSRF token: refused before anything happens
    assert sync_jobs("another-service-dev") == []
    token = csrf_of(operator, "/apps/another-service-dev")
    done = operator.post(
        "/apps/another-service-dev/sync", data={"csrf_token": token, "dry_run": "0"}
    )
    assert done.status_code == 302
    (job,) = sync_jobs("another-service-dev")
    assert job.kwargs["user"] == "token:operator" and job.kwargs["via"] == "web"
    assert "enqueued" in operator.get(done.headers["Location"]).get_data(as_text=True)
    log = runtime.service().store.audit_log(target="another-service-dev")
    assert [e.actor.user for e in log if e.result == "denied"] == ["token:viewer"]


def test_an_auth_proxy_user_gets_their_groups_roles(web: Web) -> None:
    client = web.app.test_client()
    alice = {"X-Forwarded-User": "alice", "X-Forwarded-Groups": "sre"}
    html = client.get("/apps/billing", headers=alice).get_data(as_text=True)
    assert "user:alice" in html and ">Sync</button>" in html  # group:sre is role:ops
    bob = {"X-Forwarded-Email": "bob@example.com"}
    html = client.get("/apps/billing", headers=bob).get_data(as_text=True)
    assert "user:bob@example.com" in html and ">Sync</button>" not in html


def test_pages_carry_a_strict_content_security_policy(web: Web) -> None:
    response = web.app.test_client().get("/apps", headers=web.headers("viewer"))
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    assert "<script" not in html and ' style="' not in html  # nothing CSP would block


def test_a_sync_that_needs_approval_is_refused_on_the_dashboard(web: Web) -> None:
    operator = signed_in(web, "operator")
    token = csrf_of(operator, "/apps/production-monitoring")
    refused = operator.post(
        "/apps/production-monitoring/sync", data={"csrf_token": token, "dry_run": "0"}
    )
    assert refused.status_code == 409
    assert "second operator" in refused.get_data(as_text=True)
    assert sync_jobs("production-monitoring") == []
