"""`/gitops` text parsed: every verb with its arguments, app references in all their
forms, and every kind of bad input turned into a usage answer (so nothing is enqueued)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.slack.commands import (
    AppRef,
    Command,
    Known,
    Resolved,
    Unresolved,
    Usage,
    parse,
    resolve,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sync my-api", Command("sync", AppRef("my-api"))),
        ("sync my-api --prune --dry-run",
         Command("sync", AppRef("my-api"), prune=True, dry_run=True)),
        ("SYNC  payments/my-api@prod-eu-1",
         Command("sync", AppRef("my-api", "payments", "prod-eu-1"))),
        ("diff my-api@production", Command("diff", AppRef("my-api", cluster="production"))),
        ("status", Command("status")),
        ("status payments", Command("status", scope="payments")),
        ("drift", Command("drift")),
        ("policy billing", Command("policy", AppRef("billing"))),
        ("history billing", Command("history", AppRef("billing"))),
        ("pr billing", Command("pr", AppRef("billing"))),
        ("snooze billing 24h", Command("snooze", AppRef("billing"), duration=timedelta(hours=24))),
        ("snooze billing 1d12h30m", Command("snooze", AppRef("billing"),
                                            duration=timedelta(days=1, hours=12, minutes=30))),
        ("", Command("help")),
        ("help", Command("help")),
    ],
)  # fmt: skip
def test_commands(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "syncc my-api",  # a typo of a verb
        "sync",  # no app
        "sync a b",  # two apps
        "sync my-api --force",  # a flag sync does not have
        "diff my-api --prune",  # a flag diff does not have
        "diff My_API",  # not a Kubernetes name
        "diff my-api;rm -rf /",
        "diff $(curl evil)",
        "diff <!channel>",
        "diff *bold*",
        "diff my-аpi",  # a Cyrillic a
        "diff 🚀",
        "diff " + "a" * 300,
        "snooze billing forever",
        "snooze billing 0m",
        "snooze billing 9999d",
        "drift everything",
        "x" * 100_000,
        "\x00\x01 sync",
    ],
)
def test_bad_input_is_a_usage_answer(text: str) -> None:
    answer = parse(text)
    assert isinstance(answer, Usage) and answer.message
    assert "<!" not in answer.message and "$(" not in answer.message  # nothing echoed raw
    assert len(answer.message) < 2_000


def test_a_typo_suggests_the_verb() -> None:
    answer = parse("syncc my-api")
    assert isinstance(answer, Usage) and "Did you mean `sync`?" in answer.message


APPS = [
    Known("my-api", "payments", "production"),
    Known("my-api", "payments", "staging"),
    Known("my-api", "search", "production"),
    Known("billing", "payments", "production"),
]


def test_references_resolve_to_one_app_or_say_why_not() -> None:
    assert resolve(AppRef("billing"), APPS) == Resolved(APPS[3])
    assert resolve(AppRef("my-api", "payments", "staging"), APPS) == Resolved(APPS[1])
    assert resolve(AppRef("my-api", cluster="staging"), APPS) == Resolved(APPS[1])
    ambiguous = resolve(AppRef("my-api", cluster="production"), APPS)
    assert isinstance(ambiguous, Unresolved)
    assert "`payments/my-api@production`" in ambiguous.message
    assert "`search/my-api@production`" in ambiguous.message
    unknown = resolve(AppRef("biling"), APPS)
    assert isinstance(unknown, Unresolved) and "Did you mean `billing`?" in unknown.message
    nothing = resolve(AppRef("zzz"), APPS)
    assert isinstance(nothing, Unresolved) and "Did you mean" not in nothing.message
