"""The settings file as an attacker or an unlucky user writes it: one line naming file and key, exit 2."""

from __future__ import annotations

import string
from datetime import date
from pathlib import Path

import pytest
from builders import CHILD, write_lists
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annexa_check.catalogue.spec import Spec
from annexa_check.cli.main import main
from annexa_check.errors import ConfigError
from annexa_check.read.safety import DEFAULT_LIMITS, Limits
from annexa_check.settings.config import load_config


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_lists(tmp_path / "dry run.xlsx", {"list_6": [dict(CHILD, child_id="C1")]})


def refused(workbook: Path, settings_file: Path, *extra: str) -> str:
    """The one line the command prints for a settings file it refuses (exit 2, nothing on stdout)."""
    result = CliRunner().invoke(main, ["validate", str(workbook), "--config", str(settings_file), *extra])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    return result.stderr.removeprefix("annexa-check: error: ").rstrip("\n")


DEEP = 600  # past the depth at which the TOML parser dies of a RecursionError


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("select = " + "[" * DEEP + "]" * DEEP + "\n", "select: nested more than 32 levels deep (line 1)"),
        ("x = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n", "x: nested more than 32 levels deep (line 1)"),
        (
            '# "[[[["\nreference_date = "today"\n\n[lists.list_6]\naliases = ' + "[" * 33,
            "lists.list_6.aliases: nested more than 32 levels deep (line 5)",
        ),
        (
            's = """\n' + "[" * 40 + '\n"""\n[codesets]\n' + "y = [" * 40,
            "codesets.y: nested more than 32 levels deep (line 5)",
        ),
    ],
)
def test_deep_nesting_is_one_line_not_a_recursion_error(workbook, tmp_path, text, message) -> None:
    settings_file = tmp_path / "council.toml"
    settings_file.write_text(text, encoding="utf-8")
    assert refused(workbook, settings_file) == f"{settings_file}: {message}"


def test_nesting_inside_strings_and_comments_is_not_counted(spec: Spec, tmp_path: Path) -> None:
    brackets = "[" * 40
    settings_file = tmp_path / "council.toml"
    settings_file.write_text(
        f'# {brackets}\n[codesets.ethnicity.synonyms]\n"{brackets}" = "WBRI"\n\'{brackets}x\' = "WIRI"\n',
        encoding="utf-8",
    )
    assert load_config(settings_file, spec).synonyms == {
        "ethnicity": {brackets: "WBRI", f"{brackets}x": "WIRI"}
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lists = 5\n", "lists: expected a table, got a number"),
        ("[lists]\nlist_6 = [1]\n", "lists.list_6: expected a table, got a list"),
        (
            '[lists.list_6.aliases]\nethnicity = [["E"]]\n',
            "lists.list_6.aliases.ethnicity: expected text or a list of text, got a list",
        ),
        (
            "[codesets.ethnicity]\nsynonyms = 2025-03-31\n",
            "codesets.ethnicity.synonyms: expected a table, got a date",
        ),
        (
            "[codesets.ethnicity.synonyms]\nx = {y = 1}\n",
            "codesets.ethnicity.synonyms.x: expected a code as text, got a table",
        ),
        ("[severity]\nETH001 = 3\n", 'severity.ETH001: expected "error" or "warning", got a number'),
        (
            "reference_date = 2025-03-31T10:00:00\n",
            "reference_date: expected text or a date, got a date and time",
        ),
        ('select = ["CIN", 12:00:00]\n', "select: expected text or a list of text, got a time"),
        (
            "[lists.list_6.aliases.ethnicity]\nmore = 1\n",
            "lists.list_6.aliases.ethnicity: expected text or a list of text, got a table",
        ),
        (
            "[lists.list_6]\nalias = 1\n",
            "lists.list_6.alias: unknown key (did you mean 'aliases'?); expected aliases",
        ),
        (
            "[codesets.ethnicity.synonym]\nx = 1\n",
            "codesets.ethnicity.synonym: unknown key (did you mean 'synonyms'?); expected synonyms",
        ),
        (
            '"select\\n" = 1\n',
            "\"select\\n\": unknown key (did you mean 'select'?); expected reference_date, select, ignore, "
            "severity, lists, codesets, limits, extract, max_unpacked_mb",
        ),
        (
            '[severity]\n"\\u001b[31mETH001" = "error"\n',
            "severity.\"\\u001b[31mETH001\": not a rule code or error type (see 'annexa-check rules')",
        ),
        (
            'reference_date = "2025\\r\\n03"\n',
            "reference_date: '2025\\r\\n03' is not today, end-of-last-month or a date YYYY-MM-DD",
        ),
        (
            '[codesets.gender.synonyms]\nM = "Man\\u2028"\n',
            "codesets.gender.synonyms.M: 'Man\\u2028' is not a code of code set 'gender' (codes: Male, Female, Not stated, Neither)",
        ),
        ("a = 1\na = 2\n", "not valid TOML: Cannot overwrite a value (at line 2, column 6)"),
        ('x = "\\q"\n', "not valid TOML: Unescaped '\\' in a string (at line 1, column 8)"),
    ],
)
def test_wrong_types_and_unknown_keys_at_any_depth(workbook, tmp_path, text, message) -> None:
    settings_file = tmp_path / "council.toml"
    settings_file.write_text(text, encoding="utf-8")
    assert refused(workbook, settings_file) == f"{settings_file}: {message}"


def test_a_settings_file_that_is_not_text(workbook, tmp_path) -> None:
    settings_file = tmp_path / "council.toml"
    settings_file.write_bytes(b"select = [\xff]\n")
    assert refused(workbook, settings_file) == f"{settings_file}: not UTF-8 text; save it with UTF-8 encoding"


# ---------------------------------------------------------------------------- the pre-check's limits


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("limits = 5\n", "limits: expected a table, got a number"),
        (
            "[limits]\nmost = 5\n",
            "limits.most: unknown key; expected max_unpacked_mb, max_sheet_cells, max_ratio, max_parts, "
            "max_strings, max_repeated_cells, max_memory_mb, max_seconds, "
            "max_upload_mb, max_edit_cells, max_fix_rows",
        ),
        (
            "[limits]\nmax_sheet_cell = 5\n",
            "limits.max_sheet_cell: unknown key (did you mean 'max_sheet_cells'?); expected max_unpacked_mb, "
            "max_sheet_cells, max_ratio, max_parts, max_strings, max_repeated_cells, max_memory_mb, max_seconds, "
            "max_upload_mb, max_edit_cells, max_fix_rows",
        ),
        (
            '[limits]\nmax_sheet_cells = "lots"\n',
            "limits.max_sheet_cells: must be a whole number of cells, at least 1 (got text)",
        ),
        (
            "[limits]\nmax_seconds = 0\n",
            "limits.max_seconds: must be a whole number of seconds, at least 1 (got 0)",
        ),
        (
            "[limits]\nmax_ratio = 2.5\n",
            "limits.max_ratio: must be a whole number of times, at least 1 (got 2.5)",
        ),
        (
            "[limits]\nmax_parts = true\n",
            "limits.max_parts: must be a whole number of files, at least 1 (got true)",
        ),
        (
            "[limits]\nmax_memory_mb = 9223372036854775807\n",
            "limits.max_memory_mb: must be a whole number of megabytes, at least 1 (got 9,223,372,036,854,775,807)",
        ),
        (
            "max_unpacked_mb = 2000\n[limits]\nmax_unpacked_mb = 3000\n",
            "max_unpacked_mb: also set as limits.max_unpacked_mb; keep one",
        ),
    ],
)
def test_bad_limits_are_refused(workbook, tmp_path, text, message) -> None:
    settings_file = tmp_path / "council.toml"
    settings_file.write_text(text, encoding="utf-8")
    assert refused(workbook, settings_file) == f"{settings_file}: {message}"


def test_every_limit_is_a_setting(spec: Spec, tmp_path: Path) -> None:
    settings_file = tmp_path / "council.toml"
    values = {name: 7 + i for i, name in enumerate(Limits.__dataclass_fields__)}
    settings_file.write_text(
        "[limits]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()), encoding="utf-8"
    )
    config = load_config(settings_file, spec)
    assert config.limits_over(DEFAULT_LIMITS) == Limits(**values)
    settings_file.write_text("max_unpacked_mb = 2000\n", encoding="utf-8")  # its older place
    assert load_config(settings_file, spec).limits_over(DEFAULT_LIMITS) == Limits(max_unpacked_mb=2000)


def test_a_limit_set_in_the_file_refuses_with_its_name(workbook: Path, tmp_path: Path) -> None:
    settings_file = tmp_path / "council.toml"
    settings_file.write_text("[limits]\nmax_sheet_cells = 20\n", encoding="utf-8")
    assert refused(workbook, settings_file, "--reference-date", "2025-03-31") == (
        f"{workbook}: sheet 'List 6' spans A1:N2 (28 cells), above the 20-cell limit; delete the stray cells "
        "far from the data (Ctrl+End in Excel shows the last one) and save again, or raise the limit with "
        "max_sheet_cells under [limits] in the settings file"
    )
    settings_file.write_text("[limits]\nmax_sheet_cells = 28\nmax_unpacked_mb = 1\n", encoding="utf-8")
    within = CliRunner().invoke(main, ["validate", str(workbook), "--config", str(settings_file), "-q"])
    assert (within.exit_code, within.stderr) == (1, "")  # 28 cells, under 1 MB: read, and its errors found


def test_the_command_line_wins_over_the_files_unpacked_limit(workbook: Path, tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(workbook, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(range(250)) * 120_000)  # 30 MB unpacked
    settings_file = tmp_path / "council.toml"
    settings_file.write_text("[limits]\nmax_unpacked_mb = 20\n", encoding="utf-8")
    assert refused(workbook, settings_file, "--reference-date", "2025-03-31").endswith(
        "above the 20 MB limit (a zip bomb, or far larger than an Annex A return); if the workbook is genuine, "
        "raise the limit with --max-unpacked-mb, or max_unpacked_mb under [limits] in the settings file"
    )
    result = CliRunner().invoke(
        main, ["validate", str(workbook), "--config", str(settings_file), "--max-unpacked-mb", "40", "-q"]
    )
    assert (result.exit_code, result.stderr) == (1, "")  # read, and its errors found


# ---------------------------------------------------------------------------- any document at all

KEYS = st.sampled_from(
    [
        "select",
        "ignore",
        "severity",
        "lists",
        "codesets",
        "limits",
        "reference_date",
        "max_unpacked_mb",
        "list_6",
        "aliases",
        "ethnicity",
        "synonyms",
        "ETH001",
        "missing_column",
        "max_sheet_cells",
        "max_seconds",
        "White British",
        "a.b",
        "\n",
        "\x1b[2J",
        "",
        "é",
    ]
) | st.text(max_size=6)
SCALARS = (
    st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["error", "warning", "WBRI", "today", "2025-03-31", "CIN", "CL", "AD", "missing_list"])
    | st.text(max_size=8)
    | st.dates(min_value=date(1, 1, 1))
)


def _toml_key(key: str) -> str:
    escaped = "".join(ch if ch.isprintable() and ch not in '"\\' else f"\\u{ord(ch):04x}" for ch in key)
    return f'"{escaped}"'


def _toml(value: object) -> str:
    """A value as TOML writes it inline (arrays and inline tables, so any nesting is one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, date)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return _toml_key(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items()) + "}"


VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)
DOCUMENTS = st.dictionaries(KEYS, VALUES, max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    document=DOCUMENTS,
    depth=st.integers(min_value=0, max_value=80),
    cut=st.integers(min_value=0, max_value=400),
    mangle=st.booleans(),
)
def test_any_document_loads_or_is_refused_in_one_line(
    spec: Spec, tmp_path: Path, document, depth, cut, mangle
):
    """Random keys, types and nesting (sometimes cut short or with a deep array): a Config or one line."""
    text = "".join(f"{_toml_key(k)} = {_toml(v)}\n" for k, v in document.items())
    if depth:
        text += "deep = " + "[" * depth + "]" * depth + "\n"
    if mangle:
        text = text[:cut] + string.punctuation[cut % len(string.punctuation)] + text[cut:]
    settings_file = tmp_path / "council.toml"
    settings_file.write_text(text, encoding="utf-8")
    try:
        load_config(settings_file, spec)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(f"{settings_file}: ")
        assert message.isprintable(), message
