"""ApplicationSet template rendering: Argo CD's two template flavours.

- fasttemplate (default): `{{ key }}` replaced by a flat parameter (`path.basename`,
  `metadata.labels.env`); unknown keys are left as written, as Argo CD does.
- Go templates (`goTemplate: true`): `{{ .path.basename }}`, `{{ index .path.segments 1 }}`,
  pipelines with the common Sprig string functions. Control actions (`if`, `range`) are
  refused with a clear error rather than rendered wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from auditor.errors import AuditorError

_FAST = re.compile(r"{{\s*([^{}\s]+)\s*}}")
_ACTION = re.compile(r"{{(-?)\s*(.*?)\s*(-?)}}", re.S)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||[^\s()|]+')


class TemplateError(AuditorError):
    """A template could not be rendered with the generator's parameters."""


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested parameters as fasttemplate sees them: `{"path": {"basename": "x"}}` ->
    `{"path.basename": "x"}`; lists become `key[0]`, `key[1]`, ..."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, prefix=name + "."))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                flat[f"{name}[{i}]"] = _to_str(item)
        else:
            flat[name] = _to_str(value)
    return flat


def render_fast(text: str, params: Mapping[str, str]) -> str:
    start = text.find("{{")
    while start != -1:
        end = text.find("}}", start + 2)
        if end == -1:  # fasttemplate refuses the whole template, as Argo CD reports it
            raise TemplateError(f"cannot find end tag '}}}}' in the template {text!r}")
        start = text.find("{{", end + 2)
    return _FAST.sub(lambda m: params.get(m.group(1), m.group(0)), text)


def render_go(text: str, params: Mapping[str, Any], *, missing_error: bool = False) -> str:
    """Render Go template actions in `text` against nested `params`."""
    out: list[str] = []
    pos = 0
    for m in _ACTION.finditer(text):
        literal = text[pos : m.start()]
        _no_open_action(literal, text)
        if m.group(1):
            literal = literal.rstrip()
        out.append(literal)
        value = _Evaluator(params, missing_error=missing_error).pipeline(m.group(2))
        out.append("<no value>" if value is None else _to_str(value))
        pos = m.end()
        if m.group(3):
            while pos < len(text) and text[pos].isspace():
                pos += 1
    _no_open_action(text[pos:], text)
    out.append(text[pos:])
    return "".join(out)


def _no_open_action(literal: str, text: str) -> None:
    """Go's parser: a `{{` that no `}}` closes is an unclosed action, an error of the
    template, never literal text in an app name."""
    if "{{" in literal:
        raise TemplateError(f"unclosed action in template {text!r}")


def render_value(value: Any, render: Callable[[str], str]) -> Any:
    """Apply `render` to every string (keys included) of a nested structure."""
    if isinstance(value, str):
        return render(value)
    if isinstance(value, Mapping):
        return {render(str(k)): render_value(v, render) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, render) for v in value]
    return value


def _to_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _normalize(value: str) -> str:
    """Argo CD's `normalize`: a DNS-1123-ish name (lowercase, `.`/`_` -> `-`)."""
    return re.sub(r"[^a-z0-9.-]", "-", value.lower()).strip("-.")


_FUNCS: dict[str, Callable[..., Any]] = {
    "lower": lambda s: _to_str(s).lower(),
    "upper": lambda s: _to_str(s).upper(),
    "title": lambda s: _to_str(s).title(),
    "trim": lambda s: _to_str(s).strip(),
    "trimPrefix": lambda p, s: _to_str(s).removeprefix(p),
    "trimSuffix": lambda p, s: _to_str(s).removesuffix(p),
    "trunc": lambda n, s: _to_str(s)[: int(n)] if int(n) >= 0 else _to_str(s)[int(n) :],
    "replace": lambda old, new, s: _to_str(s).replace(old, new),
    "default": lambda d, v=None: v if v not in (None, "", [], {}) else d,
    "quote": lambda s: '"' + _to_str(s).replace('"', '\\"') + '"',
    "squote": lambda s: "'" + _to_str(s) + "'",
    "toString": _to_str,
    "normalize": lambda s: _normalize(_to_str(s)),
    "splitList": lambda sep, s: _to_str(s).split(sep),
    "join": lambda sep, items: sep.join(_to_str(i) for i in items),
    "printf": lambda fmt, *args: re.sub(r"%[svd]", "{}", fmt).format(*args),
}


class _Evaluator:
    def __init__(self, params: Mapping[str, Any], *, missing_error: bool) -> None:
        self.params = params
        self.missing_error = missing_error

    def pipeline(self, source: str) -> Any:
        tokens = _TOKEN.findall(source)
        if tokens and tokens[0] in {"if", "else", "end", "range", "with", "define", "template"}:
            raise TemplateError(f"template action {{{{{source}}}}} is not supported")
        value, rest = self._pipeline(tokens)
        if rest:
            raise TemplateError(f"unexpected {' '.join(rest)!r} in {{{{{source}}}}}")
        return value

    def _pipeline(self, tokens: list[str]) -> tuple[Any, list[str]]:
        value: Any = None
        piped = False
        while tokens and tokens[0] != ")":
            args: list[Any] = []
            head: str | None = None
            while tokens and tokens[0] not in ("|", ")"):
                tok = tokens.pop(0)
                if tok == "(":
                    inner, tokens = self._pipeline(tokens)
                    if not tokens or tokens[0] != ")":
                        raise TemplateError("unbalanced parentheses in template")
                    tokens.pop(0)
                    args.append(inner)
                elif head is None and not args and tok in _FUNCS | {"index": None}:
                    head = tok
                else:
                    args.append(self._operand(tok))
            if piped:
                args.append(value)
            value = self._call(head, args)
            piped = True
            if tokens and tokens[0] == "|":
                tokens.pop(0)
        return value, tokens

    def _call(self, head: str | None, args: list[Any]) -> Any:
        if head is None:
            if len(args) != 1:
                raise TemplateError("a template value must be a single operand")
            return args[0]
        if head == "index":
            obj = args[0]
            for key in args[1:]:
                try:
                    obj = obj[int(key)] if isinstance(obj, list) else obj[key]
                except (KeyError, IndexError, ValueError, TypeError) as exc:
                    raise TemplateError(f"index {key!r} not found") from exc
            return obj
        try:
            return _FUNCS[head](*args)
        except TypeError as exc:
            raise TemplateError(f"wrong arguments for template function {head}") from exc

    def _operand(self, tok: str) -> Any:
        if tok.startswith('"'):
            return bytes(tok[1:-1], "utf-8").decode("unicode_escape")
        if tok.startswith("`"):
            return tok[1:-1]
        if re.fullmatch(r"-?\d+", tok):
            return int(tok)
        if tok in ("true", "false"):
            return tok == "true"
        if tok.startswith("."):
            return self._field(tok)
        raise TemplateError(f"unknown template function or value {tok!r}")

    def _field(self, ref: str) -> Any:
        value: Any = self.params
        for part in [p for p in ref.split(".") if p]:
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif self.missing_error:
                raise TemplateError(f"map has no entry for key {part!r} (in {ref})")
            else:
                return None  # printed as "<no value>", as Go does; `default` sees nil
        return value
