"""The parsed rule data kept in the user cache folder: the same rules as a fresh parse, never trusted blindly."""

from __future__ import annotations

import os
import pickle
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from annexa_check.annex import model
from annexa_check.annex.model import rules_root
from annexa_check.catalogue.spec import Spec, load_spec
from annexa_check.errors import SpecError


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user cache folder of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "annexa-check" / "rules"


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(rules_root(), root)
    return root


def _contents(spec: Spec) -> tuple[object, ...]:
    """Everything loaded, compared by value (a rule's kind object is compared by its class and parameters)."""
    rules = [(replace(r, kind=None), type(r.kind), r.kind.p) for r in spec.rules]  # type: ignore[arg-type]
    return spec.lists, spec.codesets, spec.templates, spec.root, rules


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the YAML was parsed again")

    monkeypatch.setattr(model.yaml, "load", refuse)


def test_a_second_load_reads_the_cache_and_gives_the_same_rules(
    cache: Path, rules_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_spec.__wrapped__(rules_copy)
    # codesets.yaml, lists.yaml and one file per rule file (lists.yaml is read twice, kept once)
    assert len(list(cache.glob("*.pickle"))) == 2 + len(list((rules_copy / "checks").glob("*.yaml")))
    assert not list(cache.glob("*.part"))
    _no_parsing(monkeypatch)
    second = load_spec.__wrapped__(rules_copy)
    assert _contents(second) == _contents(first)
    assert len(second.rules) == len(first.rules) > 250


def test_an_edited_rule_file_is_parsed_again(cache: Path, rules_copy: Path) -> None:
    load_spec.__wrapped__(rules_copy)
    path = rules_copy / "checks" / "ethnicity.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("title: ", "title: Edited ", 1), encoding="utf-8"
    )
    edited = load_spec.__wrapped__(rules_copy)
    titles = [r.title for r in edited.rules if r.file == "ethnicity.yaml"]
    assert titles[0].startswith("Edited ") and not titles[1].startswith("Edited ")


def test_a_cache_file_that_names_any_other_class_is_refused_and_parsed_again(
    cache: Path, rules_copy: Path, tmp_path: Path
) -> None:
    """A file in the cache folder is never trusted to run code: only parsed YAML is unpickled."""
    expected = load_spec.__wrapped__(rules_copy)
    marker = tmp_path / "ran"

    class Hostile:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    for kept in cache.glob("*.pickle"):
        kept.write_bytes(pickle.dumps([Hostile()]))
    assert _contents(load_spec.__wrapped__(rules_copy)) == _contents(expected)
    assert not marker.exists()


def test_a_damaged_cache_file_is_parsed_again(cache: Path, rules_copy: Path) -> None:
    expected = load_spec.__wrapped__(rules_copy)
    for kept in cache.glob("*.pickle"):
        kept.write_bytes(kept.read_bytes()[:10])  # as a crash mid-write would leave it, were it not atomic
    assert _contents(load_spec.__wrapped__(rules_copy)) == _contents(expected)


def test_no_cache_folder_to_write_is_no_error(
    tmp_path: Path, rules_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    loaded = load_spec.__wrapped__(rules_copy)
    assert _contents(loaded)[4] == _contents(load_spec())[4]
    assert blocked.read_text(encoding="utf-8") == "a file where the cache folder would go"


def test_dates_in_rule_data_come_back_as_dates(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dated.yaml"
    path.write_text("- {day: 2024-04-01, at: 2024-04-01 09:30:00+01:00}\n", encoding="utf-8")
    parsed = model._read_yaml(path)
    assert len(list(cache.glob("*.pickle"))) == 1
    _no_parsing(monkeypatch)
    kept = model._read_yaml(path)
    assert kept == parsed == [{"day": date(2024, 4, 1), "at": datetime(2024, 4, 1, 8, 30, tzinfo=UTC)}]
    assert type(kept[0]["day"]) is date


def test_unreadable_yaml_is_refused_and_not_kept(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    for text in (b"- code: [unclosed\n", b"title: \xff\xfe not UTF-8\n"):
        path.write_bytes(text)
        with pytest.raises(SpecError) as info:
            model._read_yaml(path)
        assert str(info.value).startswith(f"{path}: cannot read rule data: ")
    assert not cache.exists()
