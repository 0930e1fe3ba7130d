"""The worked solution (`--solution`): every step in order, numbers substituted, as GitHub math."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from backprop_tutor.cli import main
from backprop_tutor.spec import load_spec, resolve_example, run_spec
from backprop_tutor.trace.store import save_trace

STEPS = ["a(0) = x, target y", "s(1), a(1), a'(1)", "s(2), a(2), a'(2)", "s(3), a(3), a'(3)", "C", "δ(3)", "δ(2)",
         "δ(1)", "∇W(3), ∇b(3)", "∇W(2), ∇b(2)", "∇W(1), ∇b(1)", "W(3), b(3) updated", "W(2), b(2) updated",
         "W(1), b(1) updated"]


def sections(text: str) -> dict[str, list]:
    """The tokens under each ## heading, parsed as GitHub does math ($$ blocks) and tables."""
    tokens = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin).parse(text)
    out: dict[str, list] = {}
    heading = ""
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            heading = tokens[i + 1].content
            out[heading] = []
        elif heading:
            out[heading].append(token)
    return out


def check_latex(block: str) -> list[str]:
    """A math block that MathJax can typeset: one aligned environment, balanced braces and matrices, no
    stray dollar; returns its rows."""
    assert block.startswith("\\begin{aligned}\n") and block.endswith("\n\\end{aligned}"), block
    assert "$" not in block
    depth = 0
    for ch in re.sub(r"\\[{}]", "", block):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, block
    assert depth == 0, block
    assert block.count("\\begin{bmatrix}") == block.count("\\end{bmatrix}")
    assert len(re.findall(r"\\left(?![a-z])", block)) == len(re.findall(r"\\right(?![a-z])", block))
    return block.removeprefix("\\begin{aligned}\n").removesuffix("\n\\end{aligned}").split(" \\\\\n")


@pytest.fixture(scope="module")
def solution(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("solution") / "hand.md"
    assert main(["example", "hand-backprop", "--exact", "--solution", str(path)]) == 0
    return path.read_text()


def test_all_14_steps_in_order_each_with_numbers_substituted(solution):
    parts = sections(solution)
    assert list(parts) == ["Given", *(f"Step {k}: {label}" for k, label in enumerate(STEPS, 1)),
                           "The filled worksheet"]
    for k, label in enumerate(STEPS, 1):
        blocks = [t.content.strip() for t in parts[f"Step {k}: {label}"] if t.type == "math_block"]
        rows = [check_latex(b) for b in blocks]
        assert rows, label
        if k > 1:  # notation, the numbers substituted, the result
            assert any(len(r) >= 3 and re.search(r"\d", r[1]) for r in rows), label
    given = check_latex(next(t.content.strip() for t in parts["Given"] if t.type == "math_block"))
    assert given[2] == r"W^{(1)} &= \begin{bmatrix} 1 & -2 & 1 \\ 3 & 4 & -2 \end{bmatrix}"


def test_the_hand_solution_reads_like_the_handwritten_one(solution):
    assert (r"s^{(2)} &= W^{(2)}\,a^{(1)} + b^{(2)} \\" "\n"
            r"&= \begin{bmatrix} 1 & -2 \\ 3 & 4 \end{bmatrix}\,\begin{bmatrix} 5 \\ 0 \end{bmatrix} + "
            r"\begin{bmatrix} 1 \\ 0 \end{bmatrix} \\" "\n"
            r"&= \begin{bmatrix} 6 \\ 15 \end{bmatrix}") in solution
    # δ(2): the bracket first, then the ⊙; exact arithmetic keeps the tiny first component
    assert (r"W^{(3)\top}\,\delta^{(3)} &= \begin{bmatrix} 2 & 3 & 2 \\ 2 & -3 & 1 \end{bmatrix}\,"
            r"\begin{bmatrix} 1.0 \\ 1.98 \cdot 10^{-32} \\ -1.0 \end{bmatrix} \\" "\n"
            r"&= \begin{bmatrix} 1.98 \cdot 10^{-32} \\ 1.0 \end{bmatrix}") in solution
    assert (r"\nabla W^{(3)} &= \delta^{(3)}\,a^{(2)\top} \\" "\n"
            r"&= \begin{bmatrix} 1.0 \\ 1.98 \cdot 10^{-32} \\ -1.0 \end{bmatrix}\,\begin{bmatrix} 6 & 15 \end{bmatrix}"
            r" \\" "\n"
            r"&= \begin{bmatrix} 6.0 & 15.0 \\ 1.19 \cdot 10^{-31} & 2.97 \cdot 10^{-31} \\ -6.0 & -15.0 \end{bmatrix}"
            ) in solution
    assert r"C &= -\sum_k y_{k} \log a_{k}^{(3)} \\" "\n" r"&= -\log 4.14 \cdot 10^{-8} \\" "\n" r"&= 17.0" in solution


def test_github_sees_math_blocks_and_tables_only(solution):
    html = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin).render(solution)
    assert "$" not in re.sub(r'<div class="math block">.*?</div>', "", html, flags=re.S)  # no $ left as text
    assert html.count("<table>") == 3 and "∇W(l)" in html


def test_plain_text_solution(tmp_path: Path):
    path = tmp_path / "plain.md"
    assert main(["example", "hand-backprop", "--solution", str(path), "--plain"]) == 0
    text = path.read_text()
    parts = sections(text)
    assert len(parts) == 16 and not any(t.type == "math_block" for ts in parts.values() for t in ts)
    assert "s(2) = W(2) a(1) + b(2)\n     = [[1, -2], [3, 4]]·[5, 0] + [1, 0]\n     = [6, 15]\n" in text
    assert "a'(3): softmax is not elementwise" in text


def test_export_writes_the_solution_of_any_sample(tmp_path: Path, capsys):
    spec = load_spec(resolve_example("hand-backprop"))
    spec.x, spec.y = [spec.x[0], [0.5, 0, -1]], [spec.y[0], [1, 0, 0]]
    h5 = save_trace(run_spec(spec, "float64"), tmp_path / "batch.h5")
    assert main(["export", str(h5), "--solution", "-", "--sample", "1"]) == 0
    text = capsys.readouterr().out
    parts = sections(text)
    gradient = [t.content.strip() for t in parts["Step 11: ∇W(1), ∇b(1)"] if t.type == "math_block"]
    assert gradient[0].startswith("\\begin{aligned}\n\\delta^{(1)}\\,a^{(0)\\top} &= ")  # this sample's, then the mean
    assert r"\nabla W^{(1)} &= \tfrac{1}{2} \sum_{\text{samples}} \delta^{(1)}\,a^{(0)\top}" in gradient[1]
    assert "*sample 1's share*" in text and "*the mean over the 2 samples of the minibatch*" in text
    assert r"x &= \begin{bmatrix} 0.5 \\ 0 \\ -1 \end{bmatrix}" in text and "sample 1 (of 2" in text


@pytest.mark.parametrize(("argv", "message"), [
    (["example", "--plain", "--print"], "give --solution FILE.md with it"),
    (["export", "X.h5"], "no such trace file"),
])
def test_usage_errors(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
