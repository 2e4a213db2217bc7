"""Fuzzing with Hypothesis, time-bounded (a fixed number of examples, no deadline
surprises in CI): random and mutated manifests through parsing, the rendering of
directory apps and the diff engine. Any outcome is fine but a crash or a hang: parsing
gives documents or one `ManifestError`, a render gives resources or one error line, the
diff gives a `ResourceDrift`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.diff import diff_resource
from auditor.errors import ManifestError
from auditor.manifests import parse_text
from auditor.model import ResourceDrift
from auditor.render import Renderer
from tests.helpers.render import make_app

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["500m", "0.5", "1Gi", "1024Mi", "", "null", "~", "*", "&a", "<<"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
KINDS = st.sampled_from(["ConfigMap", "Secret", "Deployment", "Service", "List", "Widget", ""])


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(KINDS)
    body: dict[str, Any] = {
        "apiVersion": draw(st.sampled_from(["v1", "apps/v1", "example.com/v1", ""])),
        "kind": kind,
        "metadata": draw(
            st.one_of(
                st.fixed_dictionaries(
                    {"name": st.text(max_size=8), "namespace": st.text(max_size=5)},
                    optional={"annotations": st.dictionaries(st.text(max_size=5), values)},
                ),
                values,
            )
        ),
    }
    for field in draw(st.lists(st.sampled_from(["spec", "data", "stringData", "items"]))):
        body[field] = draw(values)
    return body


def mutate(text: str, data: st.DataObject) -> str:
    """Cut, duplicate or splice a few characters (YAML specials among them)."""
    for _ in range(data.draw(st.integers(0, 4))):
        at = data.draw(st.integers(0, len(text)))
        piece = data.draw(st.sampled_from(["", ":", "- ", "&x ", "*x", "\n  ", "{", "'", "\t"]))
        text = text[:at] + piece + text[at + data.draw(st.integers(0, 3)) :]
    return text


@FUZZ
@given(docs=st.lists(manifests(), min_size=1, max_size=3), data=st.data())
def test_parsing_gives_documents_or_one_clear_error(
    docs: list[dict[str, Any]], data: st.DataObject
) -> None:
    text = mutate(yaml.safe_dump_all(docs, sort_keys=False), data)
    try:
        parse_text(text, path="fuzz.yaml")
    except ManifestError as exc:
        assert exc.message.startswith("fuzz.yaml") and "\n" not in exc.message.strip()
    try:
        parse_text(mutate(json.dumps(docs[0], default=str), data), path="fuzz.json")
    except ManifestError as exc:
        assert exc.message.startswith("fuzz.json")


@FUZZ
@given(docs=st.lists(manifests(), min_size=1, max_size=3), data=st.data())
def test_rendering_a_directory_never_crashes(
    tmp_path_factory: Any, docs: list[dict[str, Any]], data: st.DataObject
) -> None:
    root: Path = tmp_path_factory.mktemp("fuzz")
    (root / "app").mkdir()
    (root / "app" / "m.yaml").write_text(mutate(yaml.safe_dump_all(docs), data))
    rendered = Renderer().render(make_app("app"), root=root, revision="worktree", cacheable=False)
    assert rendered.error is None or "\n" not in rendered.error.strip()


@FUZZ
@given(desired=manifests(), live=manifests(), predicted=st.one_of(st.none(), manifests()))
def test_the_diff_engine_never_crashes(
    desired: dict[str, Any], live: dict[str, Any], predicted: dict[str, Any] | None
) -> None:
    for pair in ((desired, live), (desired, None), (None, live)):
        assert isinstance(diff_resource(*pair), ResourceDrift)
    live_twin = {**live, "kind": desired["kind"], "apiVersion": desired["apiVersion"]}
    assert isinstance(diff_resource(desired, live_twin, predicted_live=predicted), ResourceDrift)
