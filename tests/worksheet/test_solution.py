"""The worked solution (`--solution`): every step in order, numbers substituted, as math that GitHub and
the viewers that parse CommonMark before MathJax/KaTeX (Jupyter, VS Code) both render."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from backprop_tutor.cli import main
from backprop_tutor.engine.network import mlp
from backprop_tutor.render.solution import solution_markdown
from backprop_tutor.spec import load_spec, resolve_example, run_spec
from backprop_tutor.trace.events import TraceHeader
from backprop_tutor.trace.recorder import Recorder
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
    return block.removeprefix("\\begin{aligned}\n").removesuffix("\n\\end{aligned}").split(" \\cr\n")


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
    assert given[2] == r"W^{(1)} &= \begin{bmatrix} 1 & -2 & 1 \cr 3 & 4 & -2 \end{bmatrix}"


def test_the_hand_solution_reads_like_the_handwritten_one(solution):
    assert (r"s^{(2)} &= W^{(2)}\thinspace a^{(1)} + b^{(2)} \cr" "\n"
            r"&= \begin{bmatrix} 1 & -2 \cr 3 & 4 \end{bmatrix}\thinspace\begin{bmatrix} 5 \cr 0 \end{bmatrix} + "
            r"\begin{bmatrix} 1 \cr 0 \end{bmatrix} \cr" "\n"
            r"&= \begin{bmatrix} 6 \cr 15 \end{bmatrix}") in solution
    # δ(2): the bracket first, then the ⊙; exact arithmetic keeps the tiny first component
    assert (r"W^{(3)\top}\thinspace\delta^{(3)} &= \begin{bmatrix} 2 & 3 & 2 \cr 2 & -3 & 1 \end{bmatrix}\thinspace"
            r"\begin{bmatrix} 1.0 \cr 1.98 \cdot 10^{-32} \cr -1.0 \end{bmatrix} \cr" "\n"
            r"&= \begin{bmatrix} 1.98 \cdot 10^{-32} \cr 1.0 \end{bmatrix}") in solution
    assert (r"\nabla W^{(3)} &= \delta^{(3)}\thinspace a^{(2)\top} \cr" "\n"
            r"&= \begin{bmatrix} 1.0 \cr 1.98 \cdot 10^{-32} \cr -1.0 \end{bmatrix}\thinspace"
            r"\begin{bmatrix} 6 & 15 \end{bmatrix} \cr" "\n"
            r"&= \begin{bmatrix} 6.0 & 15.0 \cr 1.19 \cdot 10^{-31} & 2.97 \cdot 10^{-31} \cr "
            r"-6.0 & -15.0 \end{bmatrix}") in solution
    # −log of the whole number, not (−log 4.14)·10⁻⁸
    assert (r"C &= -\sum_k y_{k} \log a_{k}^{(3)} \cr" "\n" r"&= -\log\left(4.14 \cdot 10^{-8}\right) \cr" "\n"
            r"&= 17.0") in solution


def test_github_sees_math_blocks_and_tables_only(solution):
    html = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin).render(solution)
    assert "$" not in re.sub(r'<div class="math block">.*?</div>', "", html, flags=re.S)  # no $ left as text
    assert html.count("<table>") == 3 and "∇W(l)" in html


def wide_trace():
    """A 144-12-3 tanh/softmax step: a 12×12 image input, W(1) summarised, a(1) by its largest values."""
    rng = np.random.default_rng(3)
    header = TraceHeader(sizes=[144, 12, 3], activations=["tanh", "softmax"], loss="cross-entropy",
                         precision="float64", learning_rate=0.1, batch_size=1, title="wide")
    recorder = Recorder(header)
    mlp([144, 12, 3], ["tanh", "softmax"], "cross-entropy", "float64", seed=2).train_step(
        rng.random((1, 144)), np.eye(3)[[1]], 0.1, recorder)
    return recorder.trace


def solutions() -> dict[str, str]:
    hand = load_spec(resolve_example("hand-backprop"))
    return {"hand exact": solution_markdown(run_spec(hand, "exact")),
            "hand float64, every digit": solution_markdown(run_spec(hand, "float64"), digits=None, full=True),
            "mazur ½‖a − y‖²": solution_markdown(run_spec(load_spec(resolve_example("mazur-sigmoid")), "float64")),
            "wide, summarised": solution_markdown(wide_trace())}


#: a backslash before ASCII punctuation: an escape to CommonMark (\\ → \, \, → ,), gone before MathJax sees it
ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")


@pytest.mark.parametrize(("name", "text"), solutions().items(), ids=list(solutions()))
def test_math_survives_viewers_that_parse_commonmark_first(name, text):
    """Jupyter's and VS Code's previews and CommonMark + MathJax/KaTeX parse the Markdown before typesetting:
    what MathJax gets from them must be the math GitHub gets, every matrix row and space included."""
    github = [t.content.strip() for t in MarkdownIt("commonmark").enable("table").use(dollarmath_plugin).parse(text)
              if t.type == "math_block"]
    flattened = re.findall(r"<p>\$\$\n(.*?)\n\$\$</p>", MarkdownIt("commonmark").render(text), re.S)
    assert len(flattened) == len(github) > 5, name
    for plain, math in zip(flattened, github, strict=True):
        assert "<" not in plain, plain  # no emphasis, link or line break made of the math
        assert html.unescape(plain) == math
        rows = check_latex(math)
        assert all(not ESCAPE.search(row) for row in rows), math
    assert any(r"\end{bmatrix}" in m and r" \cr " in m.split(r"\end{bmatrix}")[0] for m in github)  # matrix rows


def test_the_solution_says_once_how_its_numbers_are_written(solution):
    """In words a grader reads: how exact the arithmetic is, what 1 and 1.0 mean; no jargon."""
    intro = solution.split("## Given")[0]
    assert "every digit written is a digit of the true value" in intro and "50 significant digits" in intro
    assert "(1) is exactly that number" in intro and "(1.0) is not whole" in intro
    assert "certain digits" not in solution and "·" not in intro
    assert solution.count("is exactly that number") == 1
    hand = run_spec(load_spec(resolve_example("hand-backprop")), "float64")
    plain = solution_markdown(hand, plain=True)
    assert "Computed in float64" in plain and "1.98e-32 means 1.98 × 10⁻³²" in plain


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
    # this sample's, then the mean
    assert gradient[0].startswith("\\begin{aligned}\n\\delta^{(1)}\\thinspace a^{(0)\\top} &= ")
    assert r"\nabla W^{(1)} &= \tfrac{1}{2} \sum_{\text{samples}} \delta^{(1)}\thinspace a^{(0)\top}" in gradient[1]
    assert "*sample 1's share*" in text and "*the mean over the 2 samples of the minibatch*" in text
    assert r"x &= \begin{bmatrix} 0.5 \cr 0 \cr -1 \end{bmatrix}" in text and "sample 1 (of 2" in text


@pytest.mark.parametrize(("argv", "message"), [
    (["example", "--plain", "--print"], "give --solution FILE.md with it"),
    (["export", "X.h5"], "no such trace file"),
])
def test_usage_errors(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
