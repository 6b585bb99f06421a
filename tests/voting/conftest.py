"""Fixtures shared by the voting tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def _assert_json_safe(value: Any, path: str = "$") -> None:
    """Only str/int/bool/None/list/dict with str keys: what RFC 8785 canonicalises exactly."""
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _assert_json_safe(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str), f"{path}: key {k!r} is not a string"
            _assert_json_safe(v, f"{path}.{k}")
        return
    raise AssertionError(f"{path}: {type(value).__name__} is not JSON-safe")


@pytest.fixture(scope="session")
def json_safe() -> Callable[[Any], None]:
    return _assert_json_safe
