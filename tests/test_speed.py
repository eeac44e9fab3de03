"""What the speed work must not change: the fast paths give exactly what the plain ones gave."""

from __future__ import annotations

import io

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

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
