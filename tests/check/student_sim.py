"""A simulated student, independent of the engine: does one backprop step by hand (mpmath, the slide
equations written out again here), makes one slip, rounds what they write, leaves some cells blank,
and goes on from their own values. Gives the answer file and the verdict each cell must get.

Only the problem's givens (x, y, W(l), b(l), η) come from the package; every value is computed here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import mpmath
from mpmath import mpf

from backprop_tutor.check.expected import Reference
from backprop_tutor.check.layout import ascii_key
from backprop_tutor.worksheet.model import Quantity as Q

mpmath.mp.dps = 60
Vec = list  # of mpf; a matrix is a list of rows
Key = tuple[Q, int]


def _h(name: str, s: Vec) -> Vec:
    if name == "softmax":
        m = max(s)
        e = [mpmath.exp(v - m) for v in s]
        return [v / sum(e) for v in e]
    f = {"relu": lambda v: max(v, mpf(0)), "tanh": mpmath.tanh, "identity": lambda v: v,
         "sigmoid": lambda v: 1 / (1 + mpmath.exp(-v))}[name]
    return [f(v) for v in s]


def _h_prime(name: str, s: Vec, a: Vec, at_zero: mpf) -> Vec:
    if name == "relu":
        return [mpf(1) if v > 0 else (at_zero if v == 0 else mpf(0)) for v in s]
    if name == "tanh":
        return [1 - v * v for v in a]
    if name == "sigmoid":
        return [v * (1 - v) for v in a]
    return [mpf(1) for _ in s]


def _matvec(W: Vec, v: Vec) -> Vec:
    return [sum(w * x for w, x in zip(row, v, strict=True)) for row in W]


def _tmatvec(W: Vec, v: Vec) -> Vec:  # Wᵀ v
    return [sum(W[k][j] * v[k] for k in range(len(W))) for j in range(len(W[0]))]


def _outer(d: Vec, a: Vec) -> Vec:
    return [[x * y for y in a] for x in d]


@dataclass
class Problem:
    """The givens, as plain mpf numbers."""

    xs: list[Vec]
    ys: list[Vec]
    W: dict[int, Vec]
    b: dict[int, Vec]
    eta: mpf
    acts: list[str]
    loss: str
    at_zero: mpf
    l2: mpf

    @classmethod
    def of(cls, ref: Reference, spec) -> Problem:
        g = ref.given
        L = len(g.activations)
        conv = lambda v: mpf(str(v))  # noqa: E731  (a spec number, as written)
        return cls([[conv(v) for v in x] for x in spec.x], [[conv(v) for v in y] for y in spec.y],
                   {l: [[mpf(v) for v in row] for row in g.W[l]] for l in range(1, L + 1)},
                   {l: [mpf(v) for v in g.b[l]] for l in range(1, L + 1)},
                   conv(spec.learning_rate), list(g.activations), g.loss, mpf(g.relu_prime_at_zero), conv(spec.l2))

    @property
    def L(self) -> int:
        return len(self.acts)


Values = dict[Key, object]


def order(p: Problem) -> list[Key]:
    """The worksheet's quantities in the order a student works."""
    L, out = p.L, []
    for l in range(1, L + 1):
        out += [(Q.S, l), (Q.A, l)] + ([(Q.A_PRIME, l)] if l < L or p.acts[-1] != "softmax" else [])
    out.append((Q.COST, L))
    out += [(Q.DELTA, l) for l in range(L, 0, -1)]
    for l in range(L, 0, -1):
        out += [(Q.GRAD_W, l), (Q.GRAD_B, l)]
    for l in range(L, 0, -1):
        out += [(Q.W_NEW, l), (Q.B_NEW, l)]
    return out


def step(p: Problem, key: Key, v: Values, x: Vec, y: Vec, others: list[Values], prime_from_a: bool = True) -> object:
    """``key`` from the values ``v`` of this sample (``others``: the other samples' true values)."""
    q, l = key
    a_prev = x if l == 1 else v.get((Q.A, l - 1))
    B = len(others) + 1
    if q is Q.S:
        return [s + b for s, b in zip(_matvec(p.W[l], a_prev), p.b[l], strict=True)]
    if q is Q.A:
        return _h(p.acts[l - 1], v[(Q.S, l)])
    if q is Q.A_PRIME:
        a = v[(Q.A, l)] if prime_from_a else _h(p.acts[l - 1], v[(Q.S, l)])
        return _h_prime(p.acts[l - 1], v[(Q.S, l)], a, p.at_zero)
    if q is Q.COST:
        a = v[(Q.A, l)]
        if p.loss == "cross-entropy":
            if any(av <= 0 for av, yv in zip(a, y, strict=True) if yv != 0):
                s = v[(Q.S, l)]
                m = max(s)
                lse = m + mpmath.log(sum(mpmath.exp(t - m) for t in s))
                return sum(yv * (lse - t) for yv, t in zip(y, s, strict=True))
            return -sum(yv * mpmath.log(av) for av, yv in zip(a, y, strict=True) if yv != 0)
        return sum((av - yv) ** 2 for av, yv in zip(a, y, strict=True)) / 2
    if q is Q.DELTA:
        if l == p.L:
            d = [av - yv for av, yv in zip(v[(Q.A, l)], y, strict=True)]
            return d if p.loss == "cross-entropy" else [e * f for e, f in zip(d, v[(Q.A_PRIME, l)], strict=True)]
        back = _tmatvec(p.W[l + 1], v[(Q.DELTA, l + 1)])
        return [e * f for e, f in zip(v[(Q.A_PRIME, l)], back, strict=True)]
    if q is Q.GRAD_W:
        terms = [_outer(v[(Q.DELTA, l)], a_prev)] + [_outer(o[(Q.DELTA, l)], o["x"] if l == 1 else o[(Q.A, l - 1)])
                                                     for o in others]
        return [[sum(t[j][i] for t in terms) / B + p.l2 * p.W[l][j][i] for i in range(len(a_prev))]
                for j in range(len(p.b[l]))]
    if q is Q.GRAD_B:
        terms = [v[(Q.DELTA, l)]] + [o[(Q.DELTA, l)] for o in others]
        return [sum(t[j] for t in terms) / B for j in range(len(p.b[l]))]
    if q is Q.W_NEW:
        return [[w - p.eta * g for w, g in zip(wr, gr, strict=True)] for wr, gr in zip(p.W[l], v[(Q.GRAD_W, l)],
                                                                                         strict=True)]
    return [b - p.eta * g for b, g in zip(p.b[l], v[(Q.GRAD_B, l)], strict=True)]


def truth(p: Problem) -> list[Values]:
    """Every sample's true values."""
    out: list[Values] = []
    for x, y in zip(p.xs, p.ys, strict=True):
        v: Values = {"x": x}
        for key in order(p):
            if key[0] in (Q.GRAD_W, Q.GRAD_B):
                break
            v[key] = step(p, key, v, x, y, [], prime_from_a=False)
        out.append(v)
    for i, v in enumerate(out):
        others = out[:i] + out[i + 1:]
        for key in order(p):
            if key[0] in (Q.GRAD_W, Q.GRAD_B, Q.W_NEW, Q.B_NEW):
                v[key] = step(p, key, v, p.xs[i], p.ys[i], others)
    return out


# --- slips -----------------------------------------------------------------------------------
Slip = Callable[[Problem, Key, Values, object, random.Random], object]


def _arith(p, key, v, right, rng):
    """One number of the quantity wrong: a slip of the pen."""
    flat = _flat(right)
    i = rng.randrange(len(flat))
    flat[i] = flat[i] + (1 if flat[i] >= 0 else -1) * max(abs(flat[i]), mpf(1)) * rng.choice([mpf("0.5"), 2, -3])
    return _shaped(flat, right)


def _bias_left_out(p, key, v, right, rng):
    l = key[1]
    return _matvec(p.W[l], v["x"] if l == 1 else v[(Q.A, l - 1)])


def _activation_left_out(p, key, v, right, rng):
    return list(v[(Q.S, key[1])])


def _softmax_without_e(p, key, v, right, rng):
    s = v[(Q.S, key[1])]
    return [t / sum(mpmath.exp(u) for u in s) for t in s]


def _h_prime_at_a(p, key, v, right, rng):
    l = key[1]
    a = v[(Q.A, l)]
    return _h_prime(p.acts[l - 1], a, _h(p.acts[l - 1], a), p.at_zero)


def _h_prime_left_out(p, key, v, right, rng):
    l = key[1]
    return _tmatvec(p.W[l + 1], v[(Q.DELTA, l + 1)])


def _w_not_transposed(p, key, v, right, rng):
    l = key[1]
    back = _matvec(p.W[l + 1], v[(Q.DELTA, l + 1)])
    return [e * f for e, f in zip(v[(Q.A_PRIME, l)], back, strict=True)]


def _a_form_at_s(p, key, v, right, rng):
    s = v[(Q.S, key[1])]
    return _h_prime(p.acts[key[1] - 1], s, s, p.at_zero)  # s(1 − s), 1 − s²


def _one_sample_term(p, key, v, right, rng):
    l = key[1]
    delta = v[(Q.DELTA, l)]
    return _outer(delta, v["x"] if l == 1 else v[(Q.A, l - 1)]) if key[0] is Q.GRAD_W else list(delta)


def _updated_w_used(p, key, v, right, rng):
    """δ(l) from W(l+1) after its update: the student updated layer l+1 first, from their own δ(l+1) and a(l)
    (in a minibatch, the other samples' terms of the mean as they are)."""
    l = key[1]
    B = len(p.xs)
    own_term = _outer(v[(Q.DELTA, l + 1)], v[(Q.A, l)])
    others = v["others"]
    grad = [[(own_term[j][i] + sum(_outer(o[(Q.DELTA, l + 1)], o[(Q.A, l)])[j][i] for o in others)) / B
             + p.l2 * p.W[l + 1][j][i] for i in range(len(own_term[0]))] for j in range(len(own_term))]
    W_new = [[w - p.eta * g for w, g in zip(wr, gr, strict=True)] for wr, gr in zip(p.W[l + 1], grad, strict=True)]
    back = _tmatvec(W_new, v[(Q.DELTA, l + 1)])
    return [e * f for e, f in zip(v[(Q.A_PRIME, l)], back, strict=True)]


def _delta_sign(p, key, v, right, rng):
    return [-d for d in right]


def _update_sign(p, key, v, right, rng):
    before = p.W[key[1]] if key[0] is Q.W_NEW else p.b[key[1]]
    return _shaped([2 * b - r for b, r in zip(_flat(before), _flat(right), strict=True)], right)


def _eta_left_out(p, key, v, right, rng):
    before = p.W[key[1]] if key[0] is Q.W_NEW else p.b[key[1]]
    return _shaped([b - (b - r) / p.eta for b, r in zip(_flat(before), _flat(right), strict=True)], right)


def _summed(p, key, v, right, rng):
    B = len(p.xs)
    return _shaped([r * B for r in _flat(right)], right)


def _log10(p, key, v, right, rng):
    return right / mpmath.log(10)


#: slip name → (where it can happen, how)
SLIPS: dict[str, tuple[Callable[[Problem, Key], bool], Slip]] = {
    "arith": (lambda p, k: True, _arith),
    "bias-left-out": (lambda p, k: k[0] is Q.S, _bias_left_out),
    "activation-left-out": (lambda p, k: k[0] is Q.A and p.acts[k[1] - 1] not in ("identity", "softmax"),
                            _activation_left_out),
    "softmax-without-e": (lambda p, k: k[0] is Q.A and p.acts[k[1] - 1] == "softmax", _softmax_without_e),
    "h-prime-at-a": (lambda p, k: k[0] is Q.A_PRIME and p.acts[k[1] - 1] in ("sigmoid", "tanh"), _h_prime_at_a),
    "a-form-at-s": (lambda p, k: k[0] is Q.A_PRIME and p.acts[k[1] - 1] in ("sigmoid", "tanh"), _a_form_at_s),
    "one-sample-term": (lambda p, k: k[0] in (Q.GRAD_W, Q.GRAD_B) and len(p.xs) > 1, _one_sample_term),
    "h-prime-left-out": (lambda p, k: k[0] is Q.DELTA and k[1] < p.L, _h_prime_left_out),
    "w-not-transposed": (lambda p, k: k[0] is Q.DELTA and k[1] < p.L and len(p.W[k[1] + 1]) == len(p.W[k[1] + 1][0]),
                         _w_not_transposed),
    "delta-sign": (lambda p, k: k[0] is Q.DELTA and k[1] == p.L, _delta_sign),
    "updated-w-used": (lambda p, k: k[0] is Q.DELTA and k[1] < p.L, _updated_w_used),
    "update-sign": (lambda p, k: k[0] in (Q.W_NEW, Q.B_NEW), _update_sign),
    "eta-left-out": (lambda p, k: k[0] in (Q.W_NEW, Q.B_NEW), _eta_left_out),
    "gradient-summed": (lambda p, k: k[0] in (Q.GRAD_W, Q.GRAD_B) and len(p.xs) > 1, _summed),
    "log10": (lambda p, k: k[0] is Q.COST and p.loss == "cross-entropy", _log10),
}


def _flat(v) -> list:
    if not isinstance(v, list):
        return [v]
    return [x for row in v for x in row] if v and isinstance(v[0], list) else list(v)


def _shaped(flat: list, like):
    if not isinstance(like, list):
        return flat[0]
    if like and isinstance(like[0], list):
        n = len(like[0])
        return [flat[i * n:(i + 1) * n] for i in range(len(like))]
    return flat


# --- the sheet ------------------------------------------------------------------------------
@dataclass
class Sheet:
    """What the student wrote (None: blank) and the verdict each cell must get."""

    written: dict[Key, object] = field(default_factory=dict)
    verdicts: dict[tuple[Key, tuple[int, ...]], str] = field(default_factory=dict)
    slip_key: Key | None = None


def _round(v: mpf, digits: int | None) -> mpf:
    return v if digits is None else mpf(mpmath.nstr(v, digits, min_fixed=-mpmath.inf, max_fixed=mpmath.inf))


def _right(w: mpf, t: mpf, scale: mpf) -> bool:
    """PrairieLearn's rule as the README states it: rtol 1 %, and 0 for an entry below 1e-10 of the largest."""
    zero = scale * mpf("1e-10")
    return abs(w - t) <= mpf("0.01") * abs(t) + (zero if abs(t) <= zero else 0)


def _borderline(w: mpf, t: mpf, scale: mpf) -> bool:
    """Off by 0.8 % to 1.2 % (whether the student's rounding crossed the 1 % line depends on digits not shown),
    or a wrong value that is rounding noise beside its quantity's other entries."""
    if abs(t) < scale * mpf("1e-6") and abs(w) < scale * mpf("1e-6"):  # rounding noise beside its neighbours
        return w != t
    return t != 0 and abs(t) > scale * mpf("1e-10") and mpf("0.008") <= abs(w - t) / abs(t) <= mpf("0.012")


def _differs(values, true) -> bool:
    fw, ft = _flat(values), _flat(true)
    scale = max(abs(t) for t in ft)
    return any(not _right(w, t, scale) for w, t in zip(fw, ft, strict=True))


def inputs(p: Problem, key: Key) -> list[Key]:
    q, l = key
    prev = [(Q.A, l - 1)] if l > 1 else []
    return {Q.S: prev, Q.A: [(Q.S, l)], Q.A_PRIME: [(Q.S, l), (Q.A, l)], Q.COST: [(Q.S, l), (Q.A, l)],
            Q.DELTA: ([(Q.A, l)] + ([(Q.A_PRIME, l)] if p.loss != "cross-entropy" else []) if l == p.L
                      else [(Q.A_PRIME, l), (Q.DELTA, l + 1)]),
            Q.GRAD_W: [(Q.DELTA, l), *prev], Q.GRAD_B: [(Q.DELTA, l)], Q.W_NEW: [(Q.GRAD_W, l)],
            Q.B_NEW: [(Q.GRAD_B, l)]}[q]


def simulate(p: Problem, sample: int, slip: str | None, slip_key: Key | None, blank: set[Key], digits: int | None,
             rng: random.Random, use_rounded: bool = True) -> Sheet:
    """The student's sheet: every quantity computed in order from their own values (the ones they wrote,
    rounded to ``digits``, when ``use_rounded``), one ``slip`` at ``slip_key``, ``blank`` left out."""
    true = truth(p)
    mine, others = true[sample], true[:sample] + true[sample + 1:]
    v: Values = {"x": p.xs[sample], "others": others}
    sheet, mistaken, unsure = Sheet(slip_key=slip_key), set(), set()
    for key in order(p):
        value = unslipped = step(p, key, v, p.xs[sample], p.ys[sample], others, prime_from_a=rng.random() < 0.5)
        if key == slip_key:
            value = SLIPS[slip][1](p, key, v, value, rng)
        rounded = _shaped([_round(x, digits) for x in _flat(value)], value)
        v[key] = rounded if use_rounded else value
        upstream = any(k in mistaken for k in inputs(p, key))
        open_before = any(k in unsure for k in inputs(p, key))
        if key in blank:  # a blank holds a mistake when it differs because its inputs do
            if upstream and _differs(v[key], mine[key]):
                mistaken.add(key)
            if open_before and _differs(v[key], mine[key]):
                unsure.add(key)
            sheet.written[key] = None
            for idx, _ in _cells(mine[key]):
                sheet.verdicts[(key, idx)] = "missing"
            continue
        sheet.written[key] = rounded
        scale = max(abs(t) for t in _flat(mine[key]))
        own_scale = max(abs(t) for t in _flat(unslipped))
        for idx, t in _cells(mine[key]):
            w = _at(rounded, idx)
            if _borderline(w, t, scale):  # within rounding of the 1 % line: either verdict is fair
                verdict = "?"
            elif _right(w, t, scale):
                verdict = "right"
            elif key == slip_key and not _right(_at(value, idx), _at(unslipped, idx), max(scale, own_scale)):
                verdict = "root"  # the slip changed this number
            elif key == slip_key and _at(value, idx) != _at(unslipped, idx):
                verdict = "?"  # the slip moved it by less than 1 %, the rounding did the rest: either is fair
            elif open_before and not upstream:
                verdict = "?"  # follows from a value whose own verdict was open
            else:
                verdict = "carried" if upstream else "right"  # off by the student's own (rounded) values
            sheet.verdicts[(key, idx)] = verdict
        if any(sheet.verdicts[(key, idx)] in ("root", "carried") for idx, _ in _cells(mine[key])):
            mistaken.add(key)
        if any(sheet.verdicts[(key, idx)] == "?" for idx, _ in _cells(mine[key])):
            unsure.add(key)
    return sheet


def _cells(value):
    if not isinstance(value, list):
        return [((), value)]
    if value and isinstance(value[0], list):
        return [((j, i), x) for j, row in enumerate(value) for i, x in enumerate(row)]
    return [((j,), x) for j, x in enumerate(value)]


def _at(value, idx):
    for i in idx:
        value = value[i]
    return value


def answer_doc(sheet: Sheet, spec_name: str, sample: int, digits: int | None = None) -> dict:
    """The sheet as a JSON answer file (every digit the student wrote)."""
    def text(v: mpf) -> str:  # as the student writes it: every digit, or their digits with trailing zeros
        if digits:
            return mpmath.nstr(v, digits, strip_zeros=False)
        return mpmath.nstr(v, 40, min_fixed=-mpmath.inf, max_fixed=mpmath.inf)

    doc: dict = {"spec": spec_name, "sample": sample, "layer": {}}
    for (q, l), value in sheet.written.items():
        if value is None:
            continue
        if q is Q.COST:
            doc["C"] = text(value)
            continue
        shaped = [[text(x) for x in row] for row in value] if isinstance(value[0], list) else [text(x) for x in value]
        doc["layer"].setdefault(str(l), {})[ascii_key(q)] = shaped
    return doc
