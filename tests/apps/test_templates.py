"""ApplicationSet templates: fasttemplate and Go templates."""

from __future__ import annotations

import pytest

from auditor.apps.templates import TemplateError, flatten, render_fast, render_go, render_value

PARAMS = {
    "name": "prod-eu",
    "path": {"path": "apps/my-api", "basename": "my-api", "segments": ["apps", "my-api"]},
    "metadata": {"labels": {"env": "Production"}},
}


def test_flatten_gives_fasttemplate_keys() -> None:
    flat = flatten(PARAMS)
    assert flat["path.basename"] == "my-api"
    assert flat["path.segments[1]"] == "my-api"
    assert flat["metadata.labels.env"] == "Production"


def test_fasttemplate_replaces_known_and_keeps_unknown() -> None:
    flat = flatten(PARAMS)
    assert render_fast("{{name}}-{{ path.basename }}", flat) == "prod-eu-my-api"
    assert render_fast("{{nope}}", flat) == "{{nope}}"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{.name}}-{{.path.basename}}", "prod-eu-my-api"),
        ("{{ index .path.segments 0 }}", "apps"),
        ("{{ .metadata.labels.env | lower }}", "production"),
        ('{{ .missing | default "x" }}', "x"),
        ('{{ replace "-" "_" .name | upper }}', "PROD_EU"),
        ("{{- .name -}} !", "prod-eu!"),
        ('{{ printf "%s/%s" .name .path.basename }}', "prod-eu/my-api"),
        ("{{ (index .path.segments 1) | upper }}", "MY-API"),
    ],
)
def test_go_templates(template: str, expected: str) -> None:
    assert render_go(template, PARAMS) == expected


def test_go_missing_key_default_and_error() -> None:
    assert render_go("{{.nope}}", PARAMS) == "<no value>"
    with pytest.raises(TemplateError, match="no entry for key 'nope'"):
        render_go("{{.nope}}", PARAMS, missing_error=True)


def test_go_control_actions_are_refused() -> None:
    with pytest.raises(TemplateError, match="not supported"):
        render_go("{{ if .name }}x{{ end }}", PARAMS)


def test_render_value_walks_keys_and_values() -> None:
    out = render_value({"{{.name}}": ["{{.path.basename}}", 3]}, lambda s: render_go(s, PARAMS))
    assert out == {"prod-eu": ["my-api", 3]}
