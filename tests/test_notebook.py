"""examples/notebook_quickstart.ipynb runs top to bottom on the sandbox, in a kernel of this
very interpreter, and shows what it promises: DataFrames, tables, a chart, a paged ledger."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
for extra in ("pandas", "matplotlib", "tqdm"):
    pytest.importorskip(extra)

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "notebook_quickstart.ipynb"


def outputs(cell: Any) -> list[Any]:
    return list(cell.get("outputs", []))


def rich(cell: Any, mime: str) -> str:
    return "".join(
        out["data"][mime]
        for out in outputs(cell)
        if out["output_type"] in ("execute_result", "display_data") and mime in out["data"]
    )


def source(nb: Any, start: str) -> Any:
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(start)]
    return cell


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path_factory.mktemp("notebook"))}},
    )
    client.execute()
    return nb


def test_notebook_runs_without_errors_in_this_interpreter(executed: Any) -> None:
    every = [out for cell in executed.cells for out in outputs(cell)]
    errors = [out for out in every if out["output_type"] == "error"]
    assert errors == []
    stdout = "".join(out.get("text", "") for out in outputs(executed.cells[-1]))
    assert Path(stdout.strip()).resolve() == Path(sys.executable).resolve()


def test_notebook_shows_frames_tables_and_a_chart(executed: Any) -> None:
    candles = rich(source(executed, "ohlc = "), "text/html")
    assert "<th>open</th>" in candles
    assert "+00:00" in candles  # UTC time index

    assert "object" in rich(source(executed, "df.dtypes"), "text/plain")  # Decimal columns

    assert rich(source(executed, "candles("), "image/png")

    for start, caption in [
        ("k.market.ticker", "Ticker"),
        ("k.account.balance()", "Balance"),
        ("k.account.open_orders()", "Open orders"),
    ]:
        assert f"<caption>{caption}</caption>" in rich(source(executed, start), "text/html")
    assert "order book: spread" in rich(source(executed, "book = "), "text/html")


def test_notebook_pages_the_ledger(executed: Any) -> None:
    cell = source(executed, "ledger = ")
    progress = "".join(out.get("text", "") for out in outputs(cell) if out.get("name") == "stderr")
    done, total = re.findall(r"(\d+)/(\d+)", progress)[-1]
    assert done == total == "11"  # 9 deposits, 2 for the market order
    sums = rich(source(executed, 'ledger.groupby("asset")'), "text/plain")
    assert "XXBT" in sums
    assert "2.0100000000" in sums


def test_committed_notebook_has_no_outputs() -> None:
    """Outputs come from the run, not the repository: diffs stay readable and nothing stale."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    assert nb.metadata.kernelspec.name == "python3"
