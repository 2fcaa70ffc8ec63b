"""The shipped catalogue: default organisation types, behaviours and case types (YAML data)."""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def _catalogue_text(name: str) -> str:
    return (
        resources.files("integration_sim.config.catalogue")
        .joinpath(f"{name}.yaml")
        .read_text("utf-8")
    )


@cache
def _catalogue_parsed(name: str) -> dict[str, Any]:
    return yaml.safe_load(_catalogue_text(name))


def catalogue(name: str) -> dict[str, Any]:
    """A fresh copy of a shipped catalogue: organisation_types, behaviours or case_types."""
    # Parsed once per process; copied so callers may change their copy.
    return copy.deepcopy(_catalogue_parsed(name))


def deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``update`` merged in, nested mappings merged key by key."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out
