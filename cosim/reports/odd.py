"""Generate the parameter tables of docs/ODD.md from the schema.

``python -m cosim.reports.odd`` rewrites the block between the markers
``<!-- parameters:begin -->`` and ``<!-- parameters:end -->`` in docs/ODD.md;
``python -m cosim.reports.odd --check`` exits 1 if the file is out of date (the test
suite runs the same check), so the ODD can never drift from the schema.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cosim.scenario.schema import Scenario, parameter_table

BEGIN, END = "<!-- parameters:begin -->", "<!-- parameters:end -->"
ODD = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
            return f"{v:.3g}"
        return f"{v:g}"
    return str(v).replace("|", "\\|")


def _choices(ann) -> str:
    args = getattr(ann, "__args__", None)
    if args and all(isinstance(a, str) for a in args):
        return " / ".join(args)
    return ""


def _sa(r) -> str:
    """The sensitivity-analysis range (the schema's ``sa``), or "-" for a parameter the studies hold fixed."""
    sa = r.get("sa_range")
    if not sa:
        return "-"
    return f"{_fmt(sa[0])} .. {_fmt(sa[1])}"


def parameter_tables() -> str:
    """Markdown tables, one per scenario section, from the schema (with each parameter's sensitivity range)."""
    rows = parameter_table()
    from cosim.scenario.schema import iter_parameters

    ann = {path: a for path, _, a in iter_parameters()}
    out = []
    section = None
    for r in rows:
        sec = r["path"].split(".")[0]
        if sec != section:
            section = sec
            doc = (Scenario.model_fields[sec].annotation.__doc__ or "").strip().splitlines()[0]
            out += ["", f"#### `[{sec}]`: {doc}", "",
                    "| parameter | default | range | SA range | unit | description | source |",
                    "|---|---|---|---|---|---|---|"]
        choices = _choices(ann[r["path"]])
        rng = choices or f"{_fmt(r['min'])} .. {_fmt(r['max'])}"
        if r["type"] == "bool":
            rng = "true / false"
        out.append(f"| `{r['path']}` | {_fmt(r['default'])} | {rng} | {_sa(r)} | {r['unit']} | "
                   f"{r['description']} | {r['source']} |")
    return "\n".join(out).strip() + "\n"


def render(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{parameter_tables()}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = ODD.read_text()
    new = render(text)
    if "--check" in argv:
        if new != text:
            print(f"{ODD} is out of date with cosim/scenario/schema.py: run python -m cosim.reports.odd", file=sys.stderr)
            return 1
        return 0
    ODD.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
