"""Typed parameter values: validation at submit and the strings a command gets (pure).

Rendering matches Azure ML, where a command sees Python's ``str`` of the value:
- boolean: ``"True"`` / ``"False"``;
- integer: its decimal text (``"42"``);
- number: an int stays an int (``"3"``); a float is Python's ``repr``, the shortest text
  that reads back as the same float. So ``0.00001`` and ``1e-05`` are the same float and
  both render as ``"1e-05"`` (repr uses exponent notation below 1e-4 and from 1e16 up;
  ``float()``, argparse and numpy read it). The text depends only on the value, never on
  how the user typed it, so cache keys are stable;
- string and data paths: unchanged;
- unset (None): None, which drops a ``$[[ ... ]]`` block.
NaN and infinities are refused: they have no portable text and break cache keys.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from designer.registry.types import DATA_TYPES, PortSpec

_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def render_value(value: Any) -> str | None:
    """The string a command gets for a validated value (see the module doc).

    value: a value returned by `coerce_value`, or None when unset.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} has no command-line text; use a finite number")
        return repr(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot render {value!r} ({type(value).__name__}) for a command")


def render_params(values: Mapping[str, Any]) -> dict[str, str | None]:
    """Render every value of a mapping with `render_value`.

    values: input name -> validated value.
    """
    return {name: render_value(value) for name, value in values.items()}


def coerce_value(
    port_type: str,
    value: Any,
    *,
    name: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    enum: Iterable[str] | None = None,
) -> Any:
    """Check a submitted value against a port type and return it in canonical form.

    port_type: the input's type (string, integer, number, boolean or a data type).
    value: the submitted value; strings such as "42", "1e-5" or "true" are accepted for
        integer, number and boolean. None (unset) is returned as is.
    name: the input's name, used in error messages.
    minimum, maximum: inclusive bounds for integer and number.
    enum: allowed values for a string.
    Raises ValueError naming the input, the expected type and the value.
    """
    label = f"input {name!r}" if name else "value"
    if value is None:
        return None
    if port_type == "string":
        result: Any = _as_string(value, label)
        if enum is not None and result not in set(enum):
            raise ValueError(f"{label}: {result!r} is not one of {sorted(set(enum))}")
        return result
    if port_type == "integer":
        return _within(_as_integer(value, label), minimum, maximum, label)
    if port_type == "number":
        return _within(_as_number(value, label), minimum, maximum, label)
    if port_type == "boolean":
        return _as_boolean(value, label)
    if port_type in DATA_TYPES:
        if isinstance(value, str) and value.strip():
            return value
        raise ValueError(f"{label}: expected a path or URI for a {port_type} input, got {value!r}")
    raise ValueError(f"{label}: unknown type {port_type!r}")


def coerce_port_value(port: PortSpec, value: Any) -> Any:
    """`coerce_value` with the type, bounds and enum taken from a component port.

    port: the component's input spec.
    value: the submitted value.
    """
    return coerce_value(
        port.type, value, name=port.name, minimum=port.min, maximum=port.max, enum=port.enum
    )


def _as_string(value: Any, label: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{label}: expected a string, got {value!r}")
    return value


def _as_integer(value: Any, label: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{label}: expected an integer, got the boolean {value!r}")
    if isinstance(value, int):
        return value
    # JSON clients may send 3.0 for 3; anything with a fraction is refused.
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    raise ValueError(f"{label}: expected an integer, got {value!r}")


def _as_number(value: Any, label: str) -> int | float:
    if isinstance(value, bool):
        raise ValueError(f"{label}: expected a number, got the boolean {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER.match(text):
            return int(text)
        if not _NUMBER.match(text):
            raise ValueError(f"{label}: expected a number, got {value!r}")
        value = float(text)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise ValueError(f"{label}: expected a finite number, got {value!r}")


def _as_boolean(value: Any, label: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"{label}: expected a boolean (true or false), got {value!r}")


def _within(value: int | float, minimum: float | None, maximum: float | None, label: str) -> Any:
    if minimum is not None and value < minimum:
        raise ValueError(f"{label}: {value!r} is below the minimum {minimum!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{label}: {value!r} is above the maximum {maximum!r}")
    return value
