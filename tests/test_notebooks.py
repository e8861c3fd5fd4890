"""The notebooks in ``notebooks/``: committed clean, and leaving no server or temporary folder behind.

The notebooks themselves run in CI with ``pytest --nbmake notebooks/``; these tests check what that run
cannot: that the committed files carry no outputs, and that a notebook whose cell fails after
``kg serve`` started still stops the server and deletes the temporary data folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import psutil
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_two_notebooks_exist() -> None:
    assert {p.name for p in NOTEBOOK_FILES} >= {"deng_family.ipynb", "query_endpoints.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, f"{path.name} has no code cells"
    dirty = [i for i, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped by init counts as stopped)."""
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
def test_a_failing_cell_still_stops_the_server_and_removes_the_data_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KG_DATA_DIR", raising=False)  # the notebook must make (and delete) its own folder
    nb = nbformat.read(NOTEBOOKS / "query_endpoints.ipynb", as_version=4)  # type: ignore[no-untyped-call]
    start = next(i for i, cell in enumerate(nb.cells) if "server.start()" in cell.source)
    record = tmp_path / "started.json"
    nb.cells.insert(start + 1, new_code_cell(  # type: ignore[no-untyped-call]
        "import json\n"
        f"open({str(record)!r}, 'w').write(json.dumps({{'pid': server.process.pid, "
        "'data_dir': str(graph.data_dir), 'log_dir': str(server.log_path.parent)}))\n"
        "raise RuntimeError('a cell failed on purpose')"))
    client = NotebookClient(nb, timeout=300, kernel_name="python3")
    with pytest.raises(CellExecutionError, match="a cell failed on purpose"):
        client.execute(cwd=str(NOTEBOOKS))
    started = json.loads(record.read_text())
    assert not _alive(started["pid"]), "kg serve is still running after the kernel shut down"
    assert not Path(started["data_dir"]).exists(), "the temporary data folder was left behind"
    assert not Path(started["log_dir"]).exists(), "the server log folder was left behind"
