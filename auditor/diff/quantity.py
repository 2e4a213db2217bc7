"""Kubernetes resource quantities (`500m`, `1Gi`, `2e3`) parsed to exact decimals.

Used by the comparison so that `500m` == `0.5`, `1Gi` == `1024Mi` and `0` == `0m`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Final

_SUFFIXES: Final[dict[str, Decimal]] = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
    "Ki": Decimal(1024),
    "Mi": Decimal(1024**2),
    "Gi": Decimal(1024**3),
    "Ti": Decimal(1024**4),
    "Pi": Decimal(1024**5),
    "Ei": Decimal(1024**6),
}
_QUANTITY = re.compile(
    r"^(?P<num>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE])?$"
)


def parse_quantity(value: Any) -> Decimal | None:
    """The exact value of a quantity (string or number), or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    if not isinstance(value, str):
        return None
    m = _QUANTITY.match(value.strip())
    if m is None:
        return None
    num = Decimal(m.group("num"))
    suffix = m.group("suffix") or ""
    if suffix[:1] in ("e", "E") and len(suffix) > 1:
        return num * (Decimal(10) ** int(suffix[1:]))
    return num * _SUFFIXES[suffix]


def has_unit(value: Any) -> bool:
    """Whether a string quantity carries a suffix (`1Gi`, `500m`), not a bare number."""
    if not isinstance(value, str):
        return False
    m = _QUANTITY.match(value.strip())
    return bool(m and m.group("suffix"))


def quantities_equal(a: Any, b: Any) -> bool:
    qa, qb = parse_quantity(a), parse_quantity(b)
    return qa is not None and qb is not None and qa == qb
