"""Counts agree with their number in every message: "1 epoch", "2 epochs", never "1 epochs" or "epoch(s)"
(issue 18: "1 epochs", "its first 1 images"). Messages count through `backprop_tutor.plural`; this reads the
package's f-strings for a number written before a plural noun by hand, and its strings for "noun(s)"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from backprop_tutor.plural import count, plural

PACKAGE = Path(__file__).resolve().parents[1] / "backprop_tutor"
#: nouns the package counts (their plural forms)
COUNTED = ("epochs", "images", "samples", "parameters", "values", "rows", "layers", "units", "workers", "cores",
           "files", "arrays", "labels", "pixels", "inputs", "outputs", "events", "mistakes", "problems", "sheets",
           "cells", "columns", "terms", "steps", "digits", "gradients", "versions", "weights", "students",
           "submissions", "configurations", "seeds", "threads", "entries", "minibatches", "classes", "passes",
           "categories")
BY_HAND = re.compile(rf"^ ({'|'.join(COUNTED)})\b(?!/)")  # (not a rate: 1.5 samples/s)
#: what an f-string may write before such a noun that is not a count ({raw.dtype} values, {split} images)
NOT_COUNTS = {"dtype", "split", "label", "where"}
MAYBE_PLURAL = re.compile(r"(?<![\w'])([a-z]{2,})\(s\)")
NOT_A_NOUN = {"http"}  # http(s)://


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))]
    return {id(n.body[0].value) for n in nodes if n.body and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)}


def _not_a_count(node: ast.expr) -> bool:
    """MAX_WEIGHTS, 2 * LIMITS.MAX_UNITS (module constants, never 1), or a word such as a dtype or a split's name."""
    names = [n.attr if isinstance(n, ast.Attribute) else n.id for n in ast.walk(node)
             if isinstance(n, ast.Attribute | ast.Name)]
    last = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return (bool(names) and all(n.isupper() for n in names)) or last in NOT_COUNTS


def offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings, found = _docstrings(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for number, text in zip(node.values, node.values[1:], strict=False):
                if (isinstance(number, ast.FormattedValue) and isinstance(text, ast.Constant)
                        and BY_HAND.match(str(text.value)) and not _not_a_count(number.value)):
                    found.append(f"{path.name}:{node.lineno}: {{{ast.unparse(number.value)}}}{text.value[:20]}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            for word in MAYBE_PLURAL.findall(node.value):
                if word not in NOT_A_NOUN:
                    found.append(f"{path.name}:{node.lineno}: {word}(s)")
    return found


def test_no_message_writes_a_count_before_a_plural_noun_by_hand() -> None:
    found = [o for path in sorted(PACKAGE.rglob("*.py")) for o in offences(path)]
    assert not found, "write these with backprop_tutor.plural.count / plural:\n" + "\n".join(found)


@pytest.mark.parametrize(("n", "text"), [(0, "0 epochs"), (1, "1 epoch"), (2, "2 epochs")])
def test_count_agrees_with_its_number(n: int, text: str) -> None:
    assert count(n, "epoch") == text
    assert count(n, "class", "classes") == text.replace("epochs", "classes").replace("epoch", "class")
    assert plural(n, "key") == text.split()[1].replace("epoch", "key")

