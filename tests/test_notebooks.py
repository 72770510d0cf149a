"""Every notebook runs top to bottom (small size) with readable, warning-free output, teaches in words, and
the committed files match their generator.

The notebooks assert their own teaching claims in their last cells (notebooks/make_notebooks.py), so a
claim the output does not support fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

#: least words of teaching text (markdown cells) per notebook
MIN_WORDS = 500
#: a float in scientific notation, e.g. 1.5e-03 or 2E+06
SCIENTIFIC = re.compile(r"\b\d+(\.\d+)?[eE][+-]?\d+\b")


def words(path: Path) -> int:
    """Words in the notebook's markdown cells (LaTeX and code spans count as written)."""
    nb = nbformat.read(path, as_version=4)
    return sum(len(c.source.split()) for c in nb.cells if c.cell_type == "markdown")


def test_there_are_notebooks_with_stripped_outputs():
    assert len(NOTEBOOKS) >= 4
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs not stripped"


def test_notebooks_are_what_the_generator_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_notebooks", ROOT / "notebooks" / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in module.write_all(tmp_path):
        committed = json.loads((ROOT / "notebooks" / path.name).read_text())
        fresh = json.loads(path.read_text())
        assert [c["source"] for c in committed["cells"]] == [c["source"] for c in fresh["cells"]], (
            f"{path.name} differs from notebooks/make_notebooks.py: run python notebooks/make_notebooks.py"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_teaches(path):
    """A question up front, equations, a "Try it" cell, assert cells, and enough words to teach."""
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert words(path) >= MIN_WORDS, f"{path.name}: {words(path)} words of teaching text, fewer than {MIN_WORDS}"
    assert "**Question" in nb.cells[0].source, f"{path.name}: the first cell does not state its question"
    assert "$$" in text, f"{path.name}: no displayed equation"
    assert "## Try it" in text, f"{path.name}: no 'Try it' cell"
    assert code.count("assert ") >= 3 and "all claims hold" in code, f"{path.name}: claims not asserted"


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    """Runs in the small size, its assert cells pass, nothing on stderr (no warnings), no scientific notation."""
    monkeypatch.setenv("COSIM_NOTEBOOK_SIZE", "small")
    monkeypatch.setenv("COSIM_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.delenv("COSIM_SENSITIVITY_RESULTS", raising=False)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code" for o in c.outputs]
    errors = [o for _, o in outputs if o.output_type == "error"]
    assert not errors
    stderr = [(i, o.text) for i, o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"{path.name}: output on stderr (a warning?): {stderr}"
    for i, o in outputs:
        shown = o.text if o.output_type == "stream" else o.get("data", {}).get("text/plain", "")
        match = SCIENTIFIC.search(shown)
        assert match is None, f"{path.name}, cell {i}: scientific notation {match.group()!r} in {shown[:300]!r}"
    assert "all claims hold" in "".join(o.text for _, o in outputs if o.output_type == "stream")
