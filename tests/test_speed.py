"""What the speed work must not change: the fast paths give exactly what the plain ones gave."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandera.errors
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annexa_check.catalogue.spec import Spec
from annexa_check.engine.check import check_workbook
from annexa_check.findings import table
from annexa_check.findings.table import FINDING_COLUMNS
from annexa_check.outputs import files

_CHARS = st.sampled_from(list('a ,"\n\r\t=+-@1e._é\u2028;5')) | st.characters(exclude_categories=("Cs",))
_TEXT = st.none() | st.text(alphabet=_CHARS, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_TEXT, st.none() | st.integers(-(2**62), 2**62), _TEXT), max_size=20))
def test_the_csv_writer_writes_a_frame_byte_for_byte_as_the_row_loop(rows: list[tuple]) -> None:
    """Quoting, line ends, empty text, nulls and formula neutralisation all come out the same."""
    frame = pl.DataFrame(rows, schema={"a": pl.String, "b": pl.Int64, "c": pl.String}, orient="row")
    loop, vectorised = io.StringIO(newline=""), io.StringIO(newline="")
    files._csv_to(loop, ["x", "y", "z"], frame.rows())
    files._csv_to(vectorised, ["x", "y", "z"], frame)
    assert vectorised.getvalue() == loop.getvalue()


def test_the_csv_writer_neutralises_formulas_but_not_signed_numbers() -> None:
    frame = pl.DataFrame({"a": ["=SUM(A1)", "-5", "+1e3", "-x", "@me", "", None], "b": [1, 2, 3, 4, 5, 6, 7]})
    out = io.StringIO(newline="")
    files._csv_to(out, ["a", "b"], frame)
    assert out.getvalue() == "a,b\r\n'=SUM(A1),1\r\n-5,2\r\n+1e3,3\r\n'-x,4\r\n'@me,5\r\n,6\r\n,7\r\n"


EXAMPLE = Path(__file__).parent.parent / "example_returns" / "example_dry_run.xlsx"


@pytest.fixture(scope="module")
def example_findings(spec: Spec) -> pl.DataFrame:
    return check_workbook(EXAMPLE, reference_date=date(2025, 3, 31), spec=spec).findings


@pytest.mark.parametrize(
    ("column", "change"),
    [
        ("rule", pl.lit("XX999")),
        ("error_type", pl.lit("not_a_type")),
        ("severity", pl.lit("fatal")),
        ("list", pl.lit("Sheet1")),
        ("list", pl.lit("List 1\n")),
        ("row", pl.lit(0, dtype=pl.Int64)),
        ("message", pl.lit(None, dtype=pl.String)),
        ("column", pl.lit(None, dtype=pl.String)),
        ("fingerprint", pl.col("fingerprint").first()),
        ("fingerprint", pl.lit("0123456789abcdeF")),
    ],
)
def test_the_quick_contract_check_passes_nothing_pandera_would_refuse(
    spec: Spec, example_findings: pl.DataFrame, column: str, change: pl.Expr
) -> None:
    """Each broken table fails the quick check, so pandera sees it and raises its own error."""
    public = example_findings.select(FINDING_COLUMNS)
    codes = tuple(r.code for r in spec.rules)
    assert table._meets_contract(public, spec.error_types, codes)
    broken = public.with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(change).otherwise(pl.col(column)).alias(column)
    )
    assert not table._meets_contract(broken, spec.error_types, codes)
    with pytest.raises(pandera.errors.SchemaError):
        table.validate_findings(broken, spec)


def test_a_table_with_a_column_the_quick_check_does_not_know_or_another_type_goes_to_pandera(
    spec: Spec, example_findings: pl.DataFrame
) -> None:
    public = example_findings.select(FINDING_COLUMNS)
    codes = tuple(r.code for r in spec.rules)
    assert not table._meets_contract(public.with_columns(pl.lit("x").alias("extra")), spec.error_types, codes)
    narrow = public.with_columns(pl.col("row").cast(pl.Int32))
    assert not table._meets_contract(narrow, spec.error_types, codes)
    with pytest.raises(pandera.errors.SchemaError):
        table.validate_findings(narrow, spec)


def test_checking_a_clean_run_does_not_import_pandera() -> None:
    code = (
        "import sys; from datetime import date; from annexa_check.engine.check import check_workbook; "
        f"check_workbook({str(EXAMPLE)!r}, reference_date=date(2025, 3, 31)); "
        "print('pandera' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"


def test_each_workbook_of_a_batch_gets_the_exception_list_it_gets_alone(tmp_path: Path) -> None:
    """Workers that serve several workbooks keep nothing from one to the next."""
    folder = tmp_path / "books"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        (folder / name).write_bytes(EXAMPLE.read_bytes())
    out = tmp_path / "out"
    out.mkdir()

    def cli(*args: object) -> None:
        command = [sys.executable, "-m", "annexa_check", "validate", *map(str, args), "-q"]
        assert subprocess.run([*command, "--reference-date", "2025-03-31"], timeout=300).returncode == 1

    cli(folder, "--jobs", "2", "-o", out / "exceptions.csv")
    cli(EXAMPLE, "-o", out / "alone.csv")
    alone = (out / "alone.csv").read_bytes()
    assert alone.count(b"\r\n") == 140  # the header and the example's 139 findings
    for name in ("a", "b", "c"):
        assert (out / f"exceptions.{name}.csv").read_bytes() == alone
