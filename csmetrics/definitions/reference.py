"""The reference tables of every metric and parameter, generated from the registry (README embeds them).

``csmetrics definitions --format markdown`` prints them; a test checks that README.md carries exactly
this text between its ``<!-- metrics -->`` and ``<!-- parameters -->`` markers, so the docs cannot
drift from the definitions.
"""

from __future__ import annotations

from typing import Any

from csmetrics.definitions.model import Registry


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ", ".join(value) if value else "(empty)"
    return str(value)


def metrics_table(registry: Registry) -> str:
    lines = ["| metric (JSON key) | unit | definition | parameters |", "|---|---|---|---|"]
    for m in registry.metrics:
        params = ", ".join(f"`{p}`" for p in m.parameter_names)
        lines.append(f"| `{m.name}` | {m.unit} | {_cell(m.description)} | {params} |")
    return "\n".join(lines) + "\n"


def parameters_table(registry: Registry) -> str:
    lines = ["| parameter | default | allowed | meaning | declared in |", "|---|---|---|---|---|"]
    for p in registry.params.values():
        scopes = (
            f"; per {' and '.join(p.scopes)} (`channels.NAME.{p.name}`, `queues.NAME.{p.name}`)" if p.scopes else ""
        )
        cells = [f"`{p.name}`", f"`{_value(p.default)}`", _cell(p.describe_range() + scopes), _cell(p.help)]
        cells.append(f"`{p.declared_in}`")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def reference_markdown(registry: Registry) -> str:
    return "<!-- metrics -->\n" + metrics_table(registry) + "\n<!-- parameters -->\n" + parameters_table(registry)
