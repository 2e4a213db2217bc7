"""The metrics gitops-auditor exposes at web's /metrics, by name: type and labels. The
alerts and the dashboard in deploy/ are checked against this list (they may name no
other series), and the metrics module is to expose exactly these."""

from __future__ import annotations

import re

APP = ("app", "project", "cluster")
METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gitops_auditor_app_info": ("gauge", (*APP, "sync_status", "health_status")),
    "gitops_auditor_app_drifted_resources": ("gauge", APP),
    "gitops_auditor_app_unmanaged_changes": ("gauge", APP),
    "gitops_auditor_app_oldest_drift_age_seconds": ("gauge", APP),
    "gitops_auditor_policy_violations": ("gauge", (*APP, "severity", "policy")),
    "gitops_auditor_audit_stage_duration_seconds": ("histogram", ("stage",)),
    "gitops_auditor_round_api_requests": ("gauge", ("cluster",)),
    "gitops_auditor_syncs_total": ("counter", ("result",)),
    "gitops_auditor_pull_requests_opened_total": ("counter", ()),
    "gitops_auditor_notifications_total": ("counter", ("notifier", "result")),
    "gitops_auditor_queue_jobs": ("gauge", ("queue", "state")),
    "gitops_auditor_watcher_lag_seconds": ("gauge", ("cluster",)),
    "gitops_auditor_round_last_success_timestamp_seconds": ("gauge", ("cluster",)),
    "gitops_auditor_cluster_up": ("gauge", ("cluster",)),
}
# Prometheus' own series an alert may use (the scrape of web's /metrics).
SCRAPE_SERIES = {"up": ("job", "instance")}


def series_labels() -> dict[str, set[str]]:
    """Every series name a query may select, with the labels it carries."""
    out: dict[str, set[str]] = {name: set(labels) for name, labels in SCRAPE_SERIES.items()}
    for name, (kind, labels) in METRICS.items():
        if kind == "histogram":
            out[name + "_bucket"] = {*labels, "le"}
            out[name + "_sum"] = set(labels)
            out[name + "_count"] = set(labels)
        else:
            out[name] = set(labels)
    return out


_FUNCTIONS = {
    "abs", "absent", "and", "avg", "bool", "by", "count", "delta", "deriv", "histogram_quantile",
    "increase", "irate", "label_values", "max", "min", "offset", "on", "or", "rate", "sum",
    "time", "topk", "unless", "vector", "without", "ignoring", "group_left", "group_right",
}  # fmt: skip
_IDENT = re.compile(r"(?<![\w\"'$.{])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w\"'])")
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*\"")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")


def check_query(expr: str) -> list[str]:
    """Problems of one PromQL expression: series not in the list, label matchers or
    groupings naming labels the series it selects do not have."""
    problems: list[str] = []
    known = series_labels()
    text = re.sub(r"\"(?:[^\"\\]|\\.)*\"", '""', re.sub(r"\[[^\]]*\]", "", expr))
    selected = []
    bare = _GROUPING.sub(" by ", re.sub(r"\{[^}]*\}", "{}", text))
    for ident in _IDENT.findall(bare):
        if ident in _FUNCTIONS or ident in {"le"}:
            continue
        if ident not in known:
            problems.append(f"unknown series {ident!r}")
        else:
            selected.append(ident)
    for name, body in _SELECTOR.findall(re.sub(r"\[[^\]]*\]", "", expr)):
        for label, _op in _MATCHER.findall(body):
            if name in known and label not in known[name]:
                problems.append(f"{name} has no label {label!r}")
    labels = set().union(*(known[s] for s in selected)) if selected else set()
    for group in _GROUPING.findall(text):
        for label in filter(None, (g.strip() for g in group.split(","))):
            if label not in labels:
                problems.append(f"grouping by {label!r}, a label of none of {selected}")
    return problems
