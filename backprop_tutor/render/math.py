r"""Equations (`backprop_tutor.worksheet.equations`) written out: as text for the UI's step panel and
plain Markdown, or as LaTeX for rendered math. Numbers go through `format`, within the same `Limits` as
the worksheet.

The LaTeX must survive two kinds of Markdown viewer: those that know math (GitHub) and pass it to MathJax
as written, and those that parse it as CommonMark first and typeset what is left (Jupyter's and VS Code's
previews, CommonMark + MathJax/KaTeX), where a backslash before punctuation is an escape: ``\\`` → ``\``
(every matrix in one row) and ``\,`` → ``,``. So `portable` spells such control symbols as control words
(``\cr``, ``\thinspace``, ``\Vert``), which both read alike."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from backprop_tutor.numbers.format import (
    SUMMARY,
    Limits,
    fmt,
    fmt_array,
    fmt_summary,
    fmt_window,
    largest_window,
)
from backprop_tutor.worksheet.equations import Equation, Expr, Num


@dataclass(frozen=True)
class TextEquation:
    """``symbolic`` (s(2) = W(2) a(1) + b(2)), then ``substituted`` and ``result`` (None: no such line)."""

    symbolic: str
    substituted: str | None
    result: str | None
    note: str = ""


# --- text ---------------------------------------------------------------------------------------
def num_text(n: Num, digits: int | None, limits: Limits = SUMMARY) -> str:
    arr = np.asarray(n.values)
    if arr.ndim == 1:
        return fmt_window(arr, digits, limits.vector) + ("ᵀ" if n.row else "")
    return fmt_array(arr, digits, limits)


def expr_text(expr: Expr, digits: int | None, limits: Limits = SUMMARY) -> str:
    return "".join(p.text if not isinstance(p, Num) else num_text(p, digits, limits) for p in expr)


def equation_text(eq: Equation, digits: int | None, limits: Limits = SUMMARY) -> TextEquation:
    symbolic = expr_text(eq.lhs, digits, limits)
    if eq.notation:
        symbolic += eq.relation.text + expr_text(eq.notation, digits, limits)
    return TextEquation(symbolic, expr_text(eq.substituted, digits, limits) if eq.substituted else None,
                        num_text(eq.result, digits, limits) if eq.result is not None else None, eq.note)


def text_lines(eq: TextEquation) -> list[str]:
    """The equation as a student writes it, one ``= …`` per line under the left-hand side."""
    lhs = eq.symbolic.find(" = ")
    indent = " " * (lhs if lhs >= 0 else len(eq.symbolic.split(" ←")[0]))
    if eq.substituted is None and eq.result is not None:
        return [f"{eq.symbolic} = {eq.result}"]
    lines = [eq.symbolic]
    lines += [f"{indent} = {part}" for part in (eq.substituted, eq.result) if part is not None]
    return lines


# --- LaTeX ---
#: TeX's control symbols that CommonMark reads as backslash escapes, as control words MathJax and KaTeX know
CONTROL_WORDS = {"\\": r"\cr", ",": r"\thinspace", "|": r"\Vert", ":": r"\medspace", ";": r"\thickspace",
                 "{": r"\lbrace", "}": r"\rbrace"}
_CONTROL_SYMBOL = re.compile(r"\\([!-/:-@\[-`{-~])(?=([A-Za-z])?)")


def portable(latex: str) -> str:
    r"""``latex`` with every control symbol that a Markdown parser would unescape spelled as a control word
    (followed by a space where a letter comes next): ``a \\ b`` → ``a \cr b``, ``W\,a`` → ``W\thinspace a``."""
    def word(m: re.Match[str]) -> str:
        spelled = CONTROL_WORDS.get(m[1])
        return m[0] if spelled is None else spelled + (" " if m[2] else "")

    return _CONTROL_SYMBOL.sub(word, latex)


def latex_number(text: str) -> str:
    """"1.98e-32" → 1.98 \\cdot 10^{-32}; other numbers as they are."""
    match = re.fullmatch(r"(-?[\d.]+)e(-?\d+)", text)
    return rf"{match[1]} \cdot 10^{{{match[2]}}}" if match else text


def num_latex(n: Num, digits: int | None, limits: Limits = SUMMARY) -> str:
    arr = np.asarray(n.values)
    if arr.ndim == 0:
        return latex_number(fmt(arr[()], digits))
    if arr.ndim == 1:
        if limits.vector is None or arr.size <= limits.vector:
            items = [latex_number(fmt(v, digits)) for v in arr]
        else:  # the largest |values|, each with its position counted from 1 (153: 0.992)
            shown, rest = largest_window(arr, limits.vector)
            items = [rf"{k + 1}{{:}}\ {latex_number(fmt(arr[k], digits))}" for k in shown]
            rest = r"\text{" + rest.replace("|v| ≤ ", r"}|v| \le \text{") + "}"
            items.append((r"\dots\ (" if n.row else r"\vdots\ (") + rest + ")")
        return r"\begin{bmatrix} " + (" & " if n.row else r" \\ ").join(items) + r" \end{bmatrix}"
    if limits.summarises(arr.shape):
        shape, low, high, mean = fmt_summary(arr, digits)
        rows, cols = shape.split("×", 1)
        return (rf"\left[{rows} \times {cols}\text{{: min }} {latex_number(low)}\text{{, max }} "
                rf"{latex_number(high)}\text{{, mean }} {latex_number(mean)}\right]")
    rows = [" & ".join(latex_number(fmt(v, digits)) for v in row) for row in arr]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def expr_latex(expr: Expr, digits: int | None, limits: Limits = SUMMARY) -> str:
    return "".join(p.latex if not isinstance(p, Num) else num_latex(p, digits, limits) for p in expr)


def equation_rows(eq: Equation, digits: int | None, limits: Limits = SUMMARY) -> list[str]:
    """The rows of an ``aligned`` environment: the left-hand side and ``&= …`` for the notation, then
    one ``&= …`` row each for the numbers substituted and the result. Empty if nothing is on the right."""
    rhs = [expr_latex(part, digits, limits) for part in (eq.notation, eq.substituted) if part]
    if eq.result is not None:
        rhs.append(num_latex(eq.result, digits, limits))
    if not rhs:
        return []
    first = eq.relation.latex.strip() if eq.notation else "="
    lhs = expr_latex(eq.lhs, digits, limits)
    return [f"{lhs} &{first} {rhs[0]}"] + [f"&= {part}" for part in rhs[1:]]


def aligned(rows: list[str]) -> str:
    """The rows as one ``aligned`` environment, one row a line, written to survive any Markdown viewer."""
    return portable("\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}")


def equation_latex(eq: Equation, digits: int | None, limits: Limits = SUMMARY) -> str:
    """The equation as one ``aligned`` block (just the left-hand side if nothing is on the right)."""
    rows = equation_rows(eq, digits, limits)
    return aligned(rows) if rows else portable(expr_latex(eq.lhs, digits, limits))
