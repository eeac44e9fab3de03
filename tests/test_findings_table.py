"""The findings table's contract (pandera), checked on the bundled example's real findings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandera.errors
import polars as pl
import pytest

from annexa_check.catalogue.spec import Spec
from annexa_check.engine.check import check_workbook
from annexa_check.findings.table import validate_findings

EXAMPLE = Path(__file__).parent.parent / "example_returns" / "example_dry_run.xlsx"


@pytest.fixture(scope="module")
def findings(spec: Spec) -> pl.DataFrame:
    return check_workbook(EXAMPLE, reference_date=date(2025, 3, 31), spec=spec).findings


def test_a_real_findings_table_meets_its_contract(spec: Spec, findings: pl.DataFrame) -> None:
    assert findings.height > 100
    assert validate_findings(findings, spec).equals(findings)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (pl.col("rule").cum_count().eq(1).replace_strict({True: "XX999", False: None}), "rule"),
        (pl.col("severity").cum_count().eq(1).replace_strict({True: "fatal", False: None}), "severity"),
        (pl.col("fingerprint").first(), "fingerprint"),
        (pl.col("list").cum_count().eq(1).replace_strict({True: "Sheet1", False: None}), "list"),
    ],
)
def test_a_broken_findings_table_is_refused(
    spec: Spec, findings: pl.DataFrame, change: pl.Expr, complaint: str
) -> None:
    broken = findings.with_columns(pl.coalesce(change, pl.col(complaint)).alias(complaint))
    with pytest.raises(pandera.errors.SchemaError, match=complaint):
        validate_findings(broken, spec)
