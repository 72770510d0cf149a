"""The HTML machinery every cosim report shares: one Jinja2 environment, one base page, one stylesheet.

Every report (``compare``, ``sensitivity``, ``calibration``) extends
``templates/base.html.j2``, so they share the header, typography, tables,
figure captions and the "How to read this", "Assumptions" and "Seeds and runs"
sections.  Templates are package data, read with :mod:`importlib.resources`;
autoescape is on, so text from scenario files is escaped unless a report marks
its own markup safe (:func:`safe`).  Figures are embedded as base64 PNG: a
report is one self-contained file that opens offline.
"""

from __future__ import annotations

import base64
import functools
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from cosim.outputs.catalogue import significant

#: The attribute every cosim report's header carries (tests look for it).
REPORT_MARKER = 'data-cosim-report="1"'


@dataclass(frozen=True)
class Figure:
    """A figure embedded in a report: the PNG's base64, its caption and its alt text."""

    data: str
    caption: str
    alt: str
    name: str = ""


def embed(path: str | Path, caption: str, alt: str | None = None) -> Figure:
    """A PNG file as an embedded :class:`Figure`."""
    path = Path(path)
    return Figure(base64.b64encode(path.read_bytes()).decode("ascii"), caption, alt or caption, path.name)


class _PackageLoader(jinja2.BaseLoader):
    """Templates from ``cosim/reports/templates`` through importlib.resources (works from a wheel or zip)."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        res = resources.files("cosim.reports").joinpath("templates", template)
        if not res.is_file():
            raise jinja2.TemplateNotFound(template)
        return res.read_text(encoding="utf-8"), template, lambda: True


def _num(x: Any, fmt: str | None = None) -> str:
    """A table cell: numbers formatted (:func:`significant` by default), yes/no for booleans, n/a for NaN."""
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        return "yes" if x else "no"
    if isinstance(x, float) or type(x).__name__.startswith("float"):
        if not math.isfinite(float(x)):
            return "n/a"
        return significant(float(x)) if fmt is None else fmt.format(float(x))
    return str(x)


@functools.cache
def environment() -> jinja2.Environment:
    """The shared Jinja2 environment (autoescape on; undefined names are errors)."""
    env = jinja2.Environment(loader=_PackageLoader(), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = _num
    env.globals["REPORT_MARKER"] = Markup(REPORT_MARKER)
    return env


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with ``context``."""
    return environment().get_template(template).render(**context)


def safe(html: str) -> Markup:
    """Mark markup that a report built itself (with :func:`escape` around every outside text) as safe."""
    return Markup(html)


def code(text: Any) -> Markup:
    """``<code>text</code>`` with the text escaped."""
    return Markup("<code>{}</code>").format(text)


def join_names(items: list[str]) -> Markup:
    """``a``, ``b`` and ``c`` as code, joined in words."""
    parts = [code(i) for i in items]
    if len(parts) <= 1:
        return Markup("").join(parts)
    return Markup(", ").join(parts[:-1]) + Markup(" and ") + parts[-1]


def table(df: Any, floats: str | None = None) -> dict[str, Any]:
    """A DataFrame as ``{"columns": [...], "rows": [[cell, ...], ...]}`` with cells formatted for the page."""
    return {"columns": [str(c) for c in df.columns],
            "rows": [[_num(v, floats) for v in row] for row in df.itertuples(index=False, name=None)]}


__all__ = ["REPORT_MARKER", "Figure", "code", "embed", "environment", "escape", "join_names", "render", "safe",
           "table"]
