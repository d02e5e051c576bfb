"""Argument checks shared by the staffing models: each names the argument and says what is allowed."""

from __future__ import annotations

import math
from typing import Any

# Slack for comparing a metric with its limit, so that float noise does not flip an exact tie.
TIE = 1e-12


def as_number(name: str, value: Any) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(result):
        raise ValueError(f"{name} must be a number, got NaN")
    return result


def non_negative(name: str, value: Any) -> float:
    number = as_number(name, value)
    if not 0.0 <= number < math.inf:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


def positive(name: str, value: Any) -> float:
    number = as_number(name, value)
    if not 0.0 < number < math.inf:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def open_unit(name: str, value: Any) -> float:
    number = as_number(name, value)
    if not 0.0 < number < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return number


def unit_upper(name: str, value: Any) -> float:
    number = as_number(name, value)
    if not 0.0 < number <= 1.0:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return number


def shrinkage_fraction(value: Any) -> float:
    number = as_number("shrinkage", value)
    if not 0.0 <= number < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {value!r}")
    return number


def agent_count(value: Any) -> int:
    number = non_negative("agents", value)
    if not number.is_integer():
        raise ValueError(f"agents must be a whole number, got {value!r}")
    return int(number)
