"""An independent reference for exact-mode tests: the same MLP step written out with plain mpmath
scalars at a chosen precision (no Ops, no intervals, no numpy math), straight from the slides."""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np


def _h(name: str, s: list, at_zero: Any) -> tuple[list, list | None]:
    if name == "relu":
        return [max(v, 0) for v in s], [1 if v > 0 else (at_zero if v == 0 else 0) for v in s]
    if name == "tanh":
        a = [mpmath.tanh(v) for v in s]
        return a, [1 - v * v for v in a]
    if name == "sigmoid":
        a = [1 / (1 + mpmath.exp(-v)) for v in s]
        return a, [v * (1 - v) for v in a]
    if name == "identity":
        return list(s), [mpmath.mpf(1)] * len(s)
    e = [mpmath.exp(v) for v in s]  # softmax
    return [v / sum(e) for v in e], None


def reference_step(spec: dict, dps: int) -> dict[tuple[str, int, str], np.ndarray]:
    """{(event kind, layer, array name): values (B, …)} of one SGD step, every value at ``dps`` digits."""
    with mpmath.workdps(dps):
        M = mpmath.mpf
        Ws = [[[M(str(v)) for v in row] for row in layer["W"]] for layer in spec["layer"]]
        bs = [[M(str(v)) for v in layer["b"]] for layer in spec["layer"]]
        acts = [layer["activation"] for layer in spec["layer"]]
        xs = [[M(str(v)) for v in row] for row in spec["data"]["x"]]
        ys = [[M(str(v)) for v in row] for row in spec["data"]["y"]]
        eta, at_zero, L, B = M(str(spec["learning_rate"])), M(str(spec.get("relu_prime_at_zero", 0))), len(Ws), len(xs)
        out: dict[tuple[str, int, str], list] = {}

        def put(kind: str, l: int, name: str, value: Any) -> None:
            out.setdefault((kind, l, name), []).append(value)

        deltas_all, acts_all = [], []
        for x, y in zip(xs, ys, strict=True):
            a_list, ap_list, s_list = [x], [None], [None]
            for l in range(L):
                s = [sum(w * v for w, v in zip(row, a_list[-1], strict=True)) + b
                     for row, b in zip(Ws[l], bs[l], strict=True)]
                a, ap = _h(acts[l], s, at_zero)
                s_list.append(s), a_list.append(a), ap_list.append(ap)
                put("forward", l + 1, "s", s), put("forward", l + 1, "a", a)
                if ap is not None:
                    put("forward", l + 1, "a_prime", ap)
            a, n = a_list[L], len(a_list[L])
            if spec["loss"] == "cross-entropy":
                C = -sum(yk * mpmath.log(ak) for yk, ak in zip(y, a, strict=True) if yk != 0)
                delta = [ak - yk for ak, yk in zip(a, y, strict=True)]
                jac = [[(a[i] if i == j else 0) - a[i] * a[j] for j in range(n)] for i in range(n)]
                grad = [(-yk / ak if yk != 0 else M(0)) for yk, ak in zip(y, a, strict=True)]
            else:
                C = sum((ak - yk) ** 2 for ak, yk in zip(a, y, strict=True)) / 2
                delta = [(ak - yk) * hp for ak, yk, hp in zip(a, y, ap_list[L], strict=True)]
                jac = [[ap_list[L][i] if i == j else M(0) for j in range(n)] for i in range(n)]
                grad = [ak - yk for ak, yk in zip(a, y, strict=True)]
            put("loss", L, "C", C), put("output_delta", L, "delta", delta), put("output_delta", L, "jacobian", jac)
            put("output_delta", L, "grad_a", grad)
            product = [sum(jac[i][j] * grad[j] for j in range(n)) for i in range(n)]
            put("output_delta", L, "jacobian_times_grad_a", product)
            deltas = {L: delta}
            for l in range(L - 1, 0, -1):  # δ(l) = a'(l) ⊙ (W(l+1)ᵀ δ(l+1))
                back = [sum(Ws[l][i][j] * deltas[l + 1][i] for i in range(len(Ws[l]))) for j in range(len(Ws[l][0]))]
                deltas[l] = [hp * v for hp, v in zip(ap_list[l], back, strict=True)]
                put("delta", l, "delta", deltas[l])
            deltas_all.append(deltas), acts_all.append(a_list)
        for l in range(1, L + 1):
            dW = [[sum(d[l][i] * al[l - 1][j] for d, al in zip(deltas_all, acts_all, strict=True)) / B
                   for j in range(len(Ws[l - 1][0]))] for i in range(len(Ws[l - 1]))]
            db = [sum(d[l][i] for d in deltas_all) / B for i in range(len(bs[l - 1]))]
            out[("gradient", l, "dW")], out[("gradient", l, "db")] = [dW], [db]
            out[("update", l, "W_after")] = [[[w - eta * g for w, g in zip(rw, rg, strict=True)]
                                              for rw, rg in zip(Ws[l - 1], dW, strict=True)]]
            out[("update", l, "b_after")] = [[b - eta * g for b, g in zip(bs[l - 1], db, strict=True)]]
        return {key: _array(value, key) for key, value in out.items()}


def _array(rows: list, key: tuple[str, int, str]) -> np.ndarray:
    arr = np.empty(np.shape(np.array(rows, dtype=object)), dtype=object)
    arr[...] = np.array(rows, dtype=object)
    # gradients and updates are per minibatch, not per sample: drop the one-row axis
    return arr[0] if key[0] in ("gradient", "update") else arr
