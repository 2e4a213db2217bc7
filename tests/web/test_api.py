"""The JSON API over a real service (real round on kubesim, real Redis, real store): auth
(bearer tokens hashed, the bootstrap token, an auth proxy's headers, sessions with CSRF),
the apps list's filters, sort and pages, one app with each finding's firstSeen, the
history reads, and writes that enqueue jobs as the RBAC policy allows."""

from __future__ import annotations

from typing import Any

import pytest
from rq import Queue

from auditor.jobs import runtime
from auditor.service.tokens import hash_token
from tests.web.conftest import Web, secret_forms

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def get(web: Web, path: str, who: str = "viewer", **kwargs: Any) -> Any:
    response = web.app.test_client().get(path, headers=web.headers(who), **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def error_of(response: Any) -> dict[str, str]:
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return dict(body["error"])


def test_every_request_needs_a_valid_token(web: Web) -> None:
    client = web.app.test_client()
    anonymous = client.get("/api/v1/apps")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_of(anonymous)["code"] == "unauthorized"
    wrong = client.get("/api/v1/apps", headers={"Authorization": "Bearer gat_nope"})
    assert wrong.status_code == 401
    basic = client.get("/api/v1/apps", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert basic.status_code == 401
    assert client.post("/api/v1/apps/billing/sync").status_code == 401


def test_tokens_are_stored_hashed_and_revocation_takes_effect(web: Web) -> None:
    store = runtime.service().store
    from auditor.service.tokens import create_token

    token = create_token(store, name="short-lived", role="role:readonly")
    with store.engine.connect() as conn:
        stored = [tuple(r) for r in conn.exec_driver_sql("SELECT name, token_hash FROM api_tokens")]
    assert ("short-lived", hash_token(token)) in stored
    assert all(token not in str(row) for row in stored)
    client = web.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/apps", headers=headers).status_code == 200
    assert store.revoke_token("short-lived")
    assert client.get("/api/v1/apps", headers=headers).status_code == 401


def test_the_apps_list_filters_sorts_and_pages(web: Web) -> None:
    everything = get(web, "/api/v1/apps?limit=1000")
    names = [a["name"] for a in everything["items"]]
    assert names == sorted(names) and everything["total"] == len(names) >= 8
    by_name = {a["name"]: a for a in everything["items"]}
    billing = by_name["billing"]
    assert billing["sync"] == "OutOfSync" and billing["drifted"] >= 1
    assert billing["cluster"] == "production" and billing["driftSince"].endswith("Z")
    assert by_name["my-api-staging"]["unmanaged"] >= 1
    drifted = get(web, "/api/v1/apps?status=OutOfSync&limit=1000")["items"]
    assert {a["name"] for a in drifted} == {
        n for n, a in by_name.items() if a["sync"] == "OutOfSync"
    }
    assert {"billing", "my-api-production"} <= {a["name"] for a in drifted}
    production = get(web, "/api/v1/apps?cluster=production")["items"]
    assert production and {a["cluster"] for a in production} == {"production"}
    assert [a["name"] for a in get(web, "/api/v1/apps?q=BILL")["items"]] == ["billing"]
    most = get(web, "/api/v1/apps?sort=drift&limit=1000")["items"]
    weights = [a["drifted"] + a["unmanaged"] for a in most]
    assert weights == sorted(weights, reverse=True) and weights[0] > 0  # most drift first
    least = get(web, "/api/v1/apps?sort=-drift&limit=1000")["items"]
    assert [a["drifted"] + a["unmanaged"] for a in least] == sorted(weights)
    first = get(web, "/api/v1/apps?limit=3")
    second = get(web, f"/api/v1/apps?limit=3&offset={first['next']}")
    assert first["next"] == 3 and [a["name"] for a in first["items"] + second["items"]] == names[:6]
    bad = web.app.test_client().get("/api/v1/apps?limit=0", headers=web.headers("viewer"))
    assert bad.status_code == 400 and error_of(bad)["code"] == "bad-parameter"
    bad = web.app.test_client().get("/api/v1/apps?status=Weird", headers=web.headers("viewer"))
    assert bad.status_code == 400


def test_one_app_in_the_report_shape_with_first_seen(web: Web) -> None:
    app = get(web, "/api/v1/apps/my-api-production")
    assert app["name"] == "my-api-production" and app["sync"] == "OutOfSync"
    deployment = next(r for r in app["resources"] if r["kind"] == "Deployment")
    image = next(c for c in deployment["changes"] if c["path"].endswith(".image"))
    assert image["live"] == "myregistry.com/my-api:v1.4.3-hotfix"
    assert image["manager"] == "kubectl-set" and image["firstSeen"].endswith("Z")
    assert "+" in deployment["diff"] and deployment["firstSeen"] == image["firstSeen"]
    missing = web.app.test_client().get("/api/v1/apps/nope", headers=web.headers("viewer"))
    assert missing.status_code == 404 and error_of(missing)["code"] == "not-found"


def test_no_secret_value_reaches_any_answer(web: Web) -> None:
    billing = get(web, "/api/v1/apps/billing")
    secret = next(r for r in billing["resources"] if r["kind"] == "Secret")
    assert secret["status"] == "OutOfSync"  # the drift is seen...
    client = web.app.test_client()
    for path in ("/api/v1/apps/billing", "/api/v1/findings?app=billing", "/api/v1/apps"):
        text = client.get(path, headers=web.headers("viewer")).get_data(as_text=True)
        for form in secret_forms():
            assert form not in text, path  # ...its value is not
        assert "example-only" not in text


def test_history_reads(web: Web) -> None:
    findings = get(web, "/api/v1/findings?app=billing")["items"]
    assert findings and {f["app"] for f in findings} == {"billing"}
    assert all(f["resolvedAt"] is None and f["firstSeen"] for f in findings)
    audits = get(web, "/api/v1/audits?app=billing&limit=5")["items"]
    assert [a["sync"] for a in audits][:2] == ["OutOfSync", "Synced"]  # newest first
    runs = get(web, "/api/v1/audits?limit=1000")["items"]
    assert {r["app"] for r in runs} >= {"billing", "my-api-dev", "my-api-production"}
    assert [r["id"] for r in runs] == sorted((r["id"] for r in runs), reverse=True)
    assert get(web, "/api/v1/pulls")["items"] == []  # no forge in this world: no PRs


def jobs_named(web: Web, queue: str) -> list[Any]:
    return Queue(queue, connection=runtime.jobs().redis).get_jobs()


def test_a_viewer_may_not_sync_an_operator_may(web: Web) -> None:
    client = web.app.test_client()
    refused = client.post("/api/v1/apps/billing/sync", headers=web.headers("viewer"), json={})
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    assert not jobs_named(web, "syncs")
    log = runtime.service().store.audit_log(target="billing")
    assert any(e.result == "denied" and e.actor.user == "token:viewer" for e in log)
    done = client.post(
        "/api/v1/apps/billing/sync", headers=web.headers("operator"), json={"dryRun": True}
    )
    assert done.status_code == 202, done.get_data(as_text=True)
    body = done.get_json()
    assert body["dryRun"] is True and body["app"] == "billing"
    (job,) = jobs_named(web, "syncs")
    assert job.id == body["job"]
    assert job.kwargs["user"] == "token:operator" and job.kwargs["dry_run"] is True
    web.work("syncs")
    syncs = get(web, "/api/v1/syncs?app=billing")["items"]
    assert syncs[0]["actor"] == "token:operator" and syncs[0]["dryRun"] is True
    assert syncs[0]["status"] == "succeeded"
    bad = client.post("/api/v1/apps/billing/sync", headers=web.headers("operator"), json={"x": 1})
    assert bad.status_code == 400 and error_of(bad)["code"] == "bad-body"


def test_an_audit_on_demand_is_a_job(web: Web) -> None:
    client = web.app.test_client()
    done = client.post("/api/v1/apps/my-api-dev/audit", headers=web.headers("viewer"))
    assert done.status_code == 202
    assert any(j.id == done.get_json()["job"] for j in jobs_named(web, "audits"))
    web.work("audits")
    audits = get(web, "/api/v1/audits?app=my-api-dev&limit=1")["items"]
    assert audits[0]["trigger"] == "api"


def test_an_auth_proxys_headers_count_only_from_a_trusted_address(web: Web) -> None:
    client = web.app.test_client()
    headers = {"X-Forwarded-User": "alice", "X-Forwarded-Groups": "sre,devs"}
    trusted = client.get("/api/v1/apps", headers=headers)
    assert trusted.status_code == 200
    untrusted = client.get(
        "/api/v1/apps", headers=headers, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert untrusted.status_code == 401
    # alice is in group:sre, bound to role:ops; a proxy session must send its CSRF token
    no_csrf = client.post("/api/v1/apps/billing/audit", headers=headers)
    assert no_csrf.status_code == 400 and "CSRF" in error_of(no_csrf)["message"]


def test_security_headers_on_every_answer(web: Web) -> None:
    response = web.app.test_client().get("/api/v1/apps", headers=web.headers("viewer"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_paths_and_methods_answer_in_the_error_shape(web: Web) -> None:
    client = web.app.test_client()
    missing = client.get("/api/v1/nothing-here", headers=web.headers("viewer"))
    assert missing.status_code == 404 and error_of(missing)["code"] == "not-found"
    wrong = client.delete("/api/v1/apps", headers=web.headers("viewer"))
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method-not-allowed"
    page = client.get("/no-such-page", headers=web.headers("viewer"))
    assert page.status_code == 404 and "text/html" in page.headers["Content-Type"]


def test_a_sync_that_needs_approval_is_not_enqueued_from_the_api(web: Web) -> None:
    client = web.app.test_client()
    path = "/api/v1/apps/production-monitoring/sync"
    refused = client.post(path, headers=web.headers("operator"), json={})
    assert refused.status_code == 409 and error_of(refused)["code"] == "approval-required"
    assert "/gitops sync production-monitoring" in error_of(refused)["message"]
    assert not [j for j in jobs_named(web, "syncs") if j.kwargs["app"] == "production-monitoring"]
    log = runtime.service().store.audit_log(target="production-monitoring")
    assert [e.result for e in log][:1] == ["approval-required"]
    dry = client.post(path, headers=web.headers("operator"), json={"dryRun": True})
    assert dry.status_code == 202  # a dry run changes nothing: no approval needed
