"""Class 6: hostile YAML in brand files.

Before: a "billion laughs" value (nested aliases) in a fixed-choice field froze validation (the
error message expanded every alias), and a 5,000-deep file raised RecursionError, which broke
brand loading on every page. Now brand files are parsed without aliases, with a nesting and a
size limit; each problem is an error on that file, and the other brands load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.brand.guidelines import MAX_YAML_CHARS, MAX_YAML_DEPTH, load_catalog, parse_yaml

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}" + f",*{chr(97 + i)}" * 8 + "]"
        for i in range(8)
    ]
    + ["role: *i"]
)


def _break(brand_dir: Path, text: str) -> None:
    (brand_dir / "ledgerly" / "guideline.yaml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BILLION_LAUGHS, "aliases (*a) are not allowed"),
        ("a:\n  " + "- " * 5000 + "x\n", f"more than {MAX_YAML_DEPTH}"),
        ("[" * 5000 + "]" * 5000, f"more than {MAX_YAML_DEPTH}"),
        ("a: " + "x" * (MAX_YAML_CHARS + 1), "brand files may have at most"),
    ],
    ids=["billion-laughs", "deep-block", "deep-flow", "huge"],
)
def test_a_hostile_file_is_an_error_on_that_file_and_other_brands_load(
    brand_dir: Path, text: str, message: str
) -> None:
    _break(brand_dir, text)
    catalog = load_catalog(brand_dir)
    assert "ledgerly" not in catalog.brands
    assert "halden-coffee" in catalog.brands  # one bad file never stops the others
    [error] = catalog.errors_for("ledgerly")
    assert message in str(error)


def test_fixed_choice_errors_show_a_short_value(brand_dir: Path) -> None:
    path = brand_dir / "ledgerly" / "guideline.yaml"
    text = path.read_text(encoding="utf-8")
    _break(brand_dir, text.replace("role: primary", "role: " + "x" * 10_000, 1))
    errors = load_catalog(brand_dir).errors_for("ledgerly")
    assert errors and all(len(str(e)) < 1_000 for e in errors)


def test_plain_brand_files_still_parse() -> None:
    data, errors = parse_yaml("a: [1, 2]\nb: {c: d}\n", "x.yaml")
    assert errors == [] and data == {"a": [1, 2], "b": {"c": "d"}}
