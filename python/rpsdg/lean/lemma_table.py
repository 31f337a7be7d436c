"""The pinned table of every Lean lemma name the renderers may emit, with where its statement was read.

Why a table: no Lean runs where corpora are built, so an emitted name must be right by construction. Every name
a renderer writes goes through :func:`lemma`, which refuses a name that is not here or that is known to be
deprecated/removed (``DO_NOT_EMIT``). ``tests/test_lean_render.py`` also scans rendered files for any name outside
the table. Sources: ``/work/shared/lean/lemmas.md`` (statements read in lean4/mathlib4 sources; ✓ there) and
Mathlib sources found with the code search (``Mathlib/Analysis/...``), cited per entry.

To add a lemma: read its statement in the pinned Mathlib/Lean sources, add an entry with its source and the
argument order you rely on, then use it through :func:`lemma`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rpsdg.errors import RpsdgError


@dataclass(frozen=True)
class LemmaInfo:
    """One pinned name: ``library`` is ``core``, ``mathlib`` or ``rpsdg`` (our support library); ``statement`` is what the renderer relies on."""

    library: str
    statement: str
    source: str
    confirmed: bool = True
    """False for names lemmas.md lists as not re-checked ([?]); they are emitted, and the doubt is reported."""
    # library "rpsdg": proved once in lean/Rpsdg/Basic.lean (templates/common/RpsdgBasic.lean) from pinned lemmas


LEMMAS: dict[str, LemmaInfo] = {
    # -- derivatives (Mathlib) ------------------------------------------------------------------------------
    "hasDerivAt_id'": LemmaInfo("mathlib", "hasDerivAt_id' x : HasDerivAt (fun x => x) 1 x",
                                "lemmas.md §2, Calculus/Deriv/Basic.lean@d0f62ff"),
    "hasDerivAt_const": LemmaInfo("mathlib", "hasDerivAt_const x c : HasDerivAt (fun _ => c) 0 x",
                                  "lemmas.md §2, Calculus/Deriv/Basic.lean@d0f62ff"),
    "hasDerivAt_pow": LemmaInfo("mathlib", "hasDerivAt_pow n x : HasDerivAt (fun x => x ^ n) (↑n * x ^ (n - 1)) x",
                                "lemmas.md §2, Calculus/Deriv/Pow.lean@cd22842"),
    "HasDerivAt.fun_add": LemmaInfo("mathlib", "hf.fun_add hg : HasDerivAt (fun x => f x + g x) (f' + g') x",
                                    "lemmas.md §2, Calculus/Deriv/Add.lean@0ba7889 (@[to_fun])"),
    "HasDerivAt.fun_sub": LemmaInfo("mathlib", "hf.fun_sub hg : HasDerivAt (fun x => f x - g x) (f' - g') x",
                                    "lemmas.md §2, Calculus/Deriv/Add.lean@0ba7889 (@[to_fun])"),
    "HasDerivAt.fun_neg": LemmaInfo("mathlib", "hf.fun_neg : HasDerivAt (fun x => -f x) (-f') x",
                                    "lemmas.md §2, Calculus/Deriv/Add.lean@0ba7889 (@[to_fun])"),
    "HasDerivAt.fun_mul": LemmaInfo("mathlib", "hc.fun_mul hd : HasDerivAt (fun y => c y * d y) (c' * d x + c x * d') x",
                                    "lemmas.md §2, Calculus/Deriv/Mul.lean@0ba7889"),
    "HasDerivAt.const_mul": LemmaInfo("mathlib", "hd.const_mul c : HasDerivAt (fun y => c * d y) (c * d') x",
                                      "lemmas.md §2, Calculus/Deriv/Mul.lean@0ba7889"),
    "HasDerivAt.mul_const": LemmaInfo("mathlib", "hc.mul_const d : HasDerivAt (fun y => c y * d) (c' * d) x",
                                      "lemmas.md §2, Calculus/Deriv/Mul.lean@0ba7889"),
    "HasDerivAt.div_const": LemmaInfo("mathlib", "hc.div_const d : HasDerivAt (fun x => c x / d) (c' / d) x",
                                      "Calculus/Deriv/Mul.lean (code search, several mathlib4 copies)"),
    "HasDerivAt.fun_div": LemmaInfo("mathlib", "hc.fun_div hd (hx : d x ≠ 0) : HasDerivAt (fun y => c y / d y) "
                                    "((c' * d x - c x * d') / d x ^ 2) x",
                                    "Calculus/Deriv/Inv.lean (code search, 2026 mathlib4 copy)"),
    "HasDerivAt.fun_pow": LemmaInfo("mathlib", "h.fun_pow n : HasDerivAt (fun x => f x ^ n) (↑n * f x ^ (n - 1) * f') x",
                                    "lemmas.md §2, Calculus/Deriv/Pow.lean@cd22842"),
    "HasDerivAt.exp": LemmaInfo("mathlib", "hf.exp : HasDerivAt (fun x => Real.exp (f x)) (Real.exp (f x) * f') x",
                                "lemmas.md §2, SpecialFunctions/ExpDeriv.lean@0ba7889"),
    "HasDerivAt.sin": LemmaInfo("mathlib", "hf.sin : HasDerivAt (fun x => Real.sin (f x)) (Real.cos (f x) * f') x",
                                "lemmas.md §2, SpecialFunctions/Trigonometric/Deriv.lean@0ba7889"),
    "HasDerivAt.cos": LemmaInfo("mathlib", "hf.cos : HasDerivAt (fun x => Real.cos (f x)) (-Real.sin (f x) * f') x",
                                "lemmas.md §2, SpecialFunctions/Trigonometric/Deriv.lean@0ba7889"),
    "HasDerivAt.log": LemmaInfo("mathlib", "hf.log (hx : f x ≠ 0) : HasDerivAt (fun y => Real.log (f y)) (f' / f x) x",
                                "lemmas.md §2, SpecialFunctions/Log/Deriv.lean@0ba7889"),
    "HasDerivAt.sqrt": LemmaInfo("mathlib", "hf.sqrt (hx : f x ≠ 0) : HasDerivAt (fun y => √(f y)) "
                                 "(f' / (2 * √(f x))) x", "SpecialFunctions/Sqrt.lean (code search)"),
    "HasDerivAt.arctan": LemmaInfo("mathlib", "hf.arctan : HasDerivAt (fun x => Real.arctan (f x)) "
                                   "(1 / (1 + f x ^ 2) * f') x",
                                   "SpecialFunctions/Trigonometric/ArctanDeriv.lean (code search)"),
    "HasDerivAt.sinh": LemmaInfo("mathlib", "hf.sinh : HasDerivAt (fun x => Real.sinh (f x)) (Real.cosh (f x) * f') x",
                                 "SpecialFunctions/Trigonometric/DerivHyp (code search)"),
    "HasDerivAt.cosh": LemmaInfo("mathlib", "hf.cosh : HasDerivAt (fun x => Real.cosh (f x)) (Real.sinh (f x) * f') x",
                                 "SpecialFunctions/Trigonometric/DerivHyp (code search, several mathlib4 copies: "
                                 "`(Real.hasDerivAt_cosh (f x)).comp x hf`)"),
    "Real.hasDerivAt_tan": LemmaInfo("mathlib", "Real.hasDerivAt_tan {x} (h : cos x ≠ 0) : HasDerivAt tan "
                                     "(1 / cos x ^ 2) x", "SpecialFunctions/Trigonometric/ArctanDeriv.lean "
                                     "(code search)"),
    "HasDerivAt.rpsdg_tan": LemmaInfo("rpsdg", "hf.rpsdg_tan (h : Real.cos (f x) ≠ 0) : HasDerivAt (fun y => "
                                      "Real.tan (f y)) (f' / Real.cos (f x) ^ 2) x",
                                      "lean/Rpsdg/Basic.lean (templates/common/RpsdgBasic.lean): proved once from "
                                      "Real.hasDerivAt_tan and HasDerivAt.comp"),
    "Real.exp_pos": LemmaInfo("mathlib", "Real.exp_pos (x : ℝ) : 0 < Real.exp x (x explicit)",
                              "Mathlib/Analysis/Complex/Exponential.lean (code search, 2025-26 mathlib4 copies)"),
    "Real.sqrt_pos": LemmaInfo("mathlib", "Real.sqrt_pos {x : ℝ} : 0 < √x ↔ 0 < x (simp)",
                               "Mathlib/Data/Real/Sqrt.lean (code search, 2025-26 mathlib4 copies)"),
    "mul_ne_zero": LemmaInfo("mathlib", "mul_ne_zero [Mul M₀] [Zero M₀] [NoZeroDivisors M₀] {a b : M₀} "
                             "(ha : a ≠ 0) (hb : b ≠ 0) : a * b ≠ 0",
                             "Mathlib/Algebra/GroupWithZero/Basic.lean (code search, module-era copy)"),
    "pow_ne_zero": LemmaInfo("mathlib", "pow_ne_zero [MonoidWithZero M₀] [IsReduced M₀] {a : M₀} (n : ℕ) "
                             "(h : a ≠ 0) : a ^ n ≠ 0 (n explicit first)",
                             "Mathlib/Algebra/GroupWithZero/Basic.lean (code search, 2025-26 copy)"),
    "left_ne_zero_of_mul": LemmaInfo("mathlib", "left_ne_zero_of_mul [MulZeroClass M₀] {a b : M₀} : a * b ≠ 0 → a ≠ 0",
                                     "Mathlib/Algebra/GroupWithZero/Basic.lean (code search, several copies)"),
    "right_ne_zero_of_mul": LemmaInfo("mathlib", "right_ne_zero_of_mul [MulZeroClass M₀] {a b : M₀} : a * b ≠ 0 → "
                                      "b ≠ 0", "Mathlib/Algebra/GroupWithZero/Basic.lean (code search, several "
                                      "copies)"),
    "ne_zero_pow": LemmaInfo("mathlib", "ne_zero_pow [MonoidWithZero M₀] {a : M₀} {n : ℕ} (hn : n ≠ 0) "
                             "(ha : a ^ n ≠ 0) : a ≠ 0", "Mathlib/Algebra/GroupWithZero/Basic.lean (code search, "
                             "2025-26 copy)"),
    "HasDerivAt.comp": LemmaInfo("mathlib", "HasDerivAt.comp x hh₂ hh : HasDerivAt (h₂ ∘ h) (h₂' * h') x "
                                 "(x explicit first)", "lemmas.md §2, Calculus/Deriv/Comp.lean@cd22842"),
    "HasDerivAt.congr_deriv": LemmaInfo("mathlib", "h.congr_deriv (h' : f' = g') : HasDerivAt f g' x",
                                        "lemmas.md §2, Calculus/Deriv/Basic.lean@d0f62ff"),
    "LT.lt.ne'": LemmaInfo("mathlib", "h.ne' : b ≠ a for h : a < b", "Mathlib/Order/Basic.lean", confirmed=False),
    # -- fundamental theorem of calculus ----------------------------------------------------------------------
    "intervalIntegral.integral_eq_sub_of_hasDerivAt": LemmaInfo(
        "mathlib", "integral_eq_sub_of_hasDerivAt (hderiv : ∀ x ∈ uIcc a b, HasDerivAt f (f' x) x) "
        "(hint : IntervalIntegrable f' volume a b) : ∫ y in a..b, f' y = f b - f a",
        "lemmas.md §2, IntervalIntegral/FundThmCalculus.lean@cd22842"),
    "Continuous.intervalIntegrable": LemmaInfo("mathlib", "Continuous.intervalIntegrable (hu : Continuous u) a b",
                                               "lemmas.md §2 [?]", confirmed=False),
    # -- core Int (theorem rules over ℤ) ------------------------------------------------------------------
    **{f"Int.{name}": LemmaInfo("core", statement, "lemmas.md §1 (C2)") for name, statement in (
        ("add_comm", "a + b = b + a"), ("add_assoc", "a + b + c = a + (b + c)"),
        ("add_left_comm", "a + (b + c) = b + (a + c)"), ("mul_comm", "a * b = b * a"),
        ("mul_assoc", "a * b * c = a * (b * c)"), ("mul_left_comm", "a * (b * c) = b * (a * c)"),
        ("mul_add", "a * (b + c) = a * b + a * c"), ("add_mul", "(a + b) * c = a * c + b * c"),
        ("add_zero", "a + 0 = a"), ("zero_add", "0 + a = a"), ("mul_one", "a * 1 = a"), ("one_mul", "1 * a = a"),
        ("mul_zero", "a * 0 = 0"), ("zero_mul", "0 * a = 0"), ("neg_neg", "-(-a) = a"),
        ("sub_eq_add_neg", "a - b = a + -b (implicit a b)"), ("neg_add", "-(a + b) = -a + -b (implicit a b)"),
        ("neg_mul", "-a * b = -(a * b)"), ("mul_neg", "a * -b = -(a * b)"), ("sub_self", "a - a = 0"),
        ("add_right_neg", "a + -a = 0"), ("add_left_neg", "-a + a = 0"), ("pow_zero", "b ^ 0 = 1"),
        ("pow_succ", "m ^ n.succ = m ^ n * m"))},
    # -- Mathlib generic algebra (theorem rules over ℝ) ----------------------------------------------------
    **{name: LemmaInfo("mathlib", statement, "lemmas.md §2 (generic algebra)", confirmed)
       for name, statement, confirmed in (
           ("add_neg_cancel", "a + -a = 0", True), ("neg_add_cancel", "-a + a = 0", True),
           ("sub_eq_add_neg", "a - b = a + -b", True), ("neg_add_rev", "-(a + b) = -b + -a", True),
           ("sub_self", "a - a = 0", True), ("add_comm", "a + b = b + a", False),
           ("add_assoc", "a + b + c = a + (b + c)", False), ("mul_comm", "a * b = b * a", False),
           ("mul_assoc", "a * b * c = a * (b * c)", False), ("mul_add", "a * (b + c) = a * b + a * c", False),
           ("add_mul", "(a + b) * c = a * c + b * c", False), ("add_zero", "a + 0 = a", False),
           ("zero_add", "0 + a = a", False), ("mul_one", "a * 1 = a", False), ("one_mul", "1 * a = a", False),
           ("mul_zero", "a * 0 = 0", False), ("zero_mul", "0 * a = 0", False), ("neg_neg", "-(-a) = a", False),
           ("neg_mul", "-a * b = -(a * b)", False), ("mul_neg", "a * -b = -(a * b)", False),
           ("two_mul", "2 * a = a + a", False), ("sq", "a ^ 2 = a * a", False),
           ("add_left_comm", "a + (b + c) = b + (a + c)", False),
           ("mul_left_comm", "a * (b * c) = b * (a * c)", False), ("neg_add", "-(a + b) = -a + -b", False),
           ("pow_zero", "a ^ 0 = 1", False))},
    **{f"Real.{name}": LemmaInfo("mathlib", statement, "lemmas.md §2 (Real)") for name, statement in (
        ("sin_sq_add_cos_sq", "sin x ^ 2 + cos x ^ 2 = 1"), ("cos_sq_add_sin_sq", "cos x ^ 2 + sin x ^ 2 = 1"),
        ("cos_two_mul", "cos (2 * x) = 2 * cos x ^ 2 - 1"), ("sin_two_mul", "sin (2 * x) = 2 * sin x * cos x"),
        ("exp_add", "exp (x + y) = exp x * exp y"), ("log_mul", "log (x * y) = log x + log y (hx hy : ≠ 0)"),
        ("exp_log", "exp (log x) = x (hx : 0 < x)"), ("log_exp", "log (exp x) = x"))},
    # -- glue used in calc lines ------------------------------------------------------------------------
    "congrArg": LemmaInfo("core", "congrArg f (h : a = b) : f a = f b", "Init/Prelude"),
    "Eq.symm": LemmaInfo("core", "h.symm : b = a", "Init/Prelude"),
    "Eq.trans": LemmaInfo("core", "h₁.trans h₂ : a = c for h₁ : a = b, h₂ : b = c", "Init/Prelude"),
    "Iff.mp": LemmaInfo("core", "Iff.mp (self : a ↔ b) : a → b", "Init/Core (structure Iff, field mp)"),
    "Iff.mpr": LemmaInfo("core", "Iff.mpr (self : a ↔ b) : b → a", "Init/Core (structure Iff, field mpr)"),
    "Or.inl": LemmaInfo("core", "Or.inl (h : a) : a ∨ b", "Init/Prelude (inductive Or)"),
    "Or.inr": LemmaInfo("core", "Or.inr (h : b) : a ∨ b", "Init/Prelude (inductive Or)"),
    # -- equations: roots, square roots ---------------------------------------------------------------------
    "mul_eq_zero": LemmaInfo("mathlib", "mul_eq_zero {a b : M₀} [MulZeroClass M₀] [NoZeroDivisors M₀] : "
                             "a * b = 0 ↔ a = 0 ∨ b = 0",
                             "Mathlib/Algebra/GroupWithZero/Defs.lean@0ba7889 (mathlib4-nightly-testing)"),
    "pow_eq_zero_iff": LemmaInfo("mathlib", "pow_eq_zero_iff [MonoidWithZero M₀] [IsReduced M₀] {a : M₀} {n : ℕ} "
                                 "(hn : n ≠ 0) : a ^ n = 0 ↔ a = 0",
                                 "Mathlib/Algebra/GroupWithZero/Basic.lean@0ba7889 (mathlib4-nightly-testing); "
                                 "ℝ is IsReduced via isReduced_of_noZeroDivisors in the same file"),
    "Real.sq_sqrt": LemmaInfo("mathlib", "Real.sq_sqrt {x : ℝ} (h : 0 ≤ x) : √x ^ 2 = x (√x is Real.sqrt x)",
                              "Mathlib/Data/Real/Sqrt.lean@0ba7889 (mathlib4-nightly-testing)"),
    "Real.sqrt_nonneg": LemmaInfo("mathlib", "Real.sqrt_nonneg (x : ℝ) : 0 ≤ √x (x explicit)",
                                  "Mathlib/Data/Real/Sqrt.lean@0ba7889 (mathlib4-nightly-testing)"),
    "Real.sqrt_sq": LemmaInfo("mathlib", "Real.sqrt_sq {x : ℝ} (h : 0 ≤ x) : √(x ^ 2) = x",
                              "Mathlib/Data/Real/Sqrt.lean@0ba7889 (mathlib4-nightly-testing)"),
    "mul_left_cancel₀": LemmaInfo("mathlib", "mul_left_cancel₀ [Mul M₀] [Zero M₀] [IsLeftCancelMulZero M₀] "
                                  "{a b c : M₀} (ha : a ≠ 0) (h : a * b = a * c) : b = c",
                                  "Mathlib/Algebra/GroupWithZero/Defs.lean@0ba7889 (mathlib4-nightly-testing)"),
    "Odd.pow_inj": LemmaInfo("mathlib", "Odd.pow_inj [Semiring R] [LinearOrder R] [IsStrictOrderedRing R] "
                             "[ExistsAddOfLE R] {n : ℕ} (hn : Odd n) {a b : R} : a ^ n = b ^ n ↔ a = b; "
                             "`Odd (n : ℕ)` is decidable (Nat.odd_iff instance, Mathlib/Algebra/Group/Nat/Even)",
                             "Mathlib/Algebra/Order/Ring/Basic.lean@0ba7889 (mathlib4-nightly-testing)"),
    "mul_pos": LemmaInfo("mathlib", "mul_pos [MulZeroClass α] [Preorder α] [PosMulStrictMono α] {a b : α} "
                         "(ha : 0 < a) (hb : 0 < b) : 0 < a * b (alias of Left.mul_pos)",
                         "Mathlib/Algebra/Order/GroupWithZero/Unbundled/Basic.lean (module-era copy, code search)"),
    "Odd": LemmaInfo("mathlib", "Odd [Semiring α] (n : α) : Prop := ∃ m, n = 2 * m + 1 (a definition, cited in "
                     "`(by decide : Odd 3)`)", "Mathlib/Algebra/Group/Even.lean / Algebra/Ring/Parity (code search)",
                     confirmed=False),
    "ne_of_lt": LemmaInfo("mathlib", "ne_of_lt [Preorder α] {a b : α} (h : a < b) : a ≠ b",
                          "Mathlib/Order/Defs/PartialOrder.lean@0ba7889 (mathlib4-nightly-testing)"),
    "Ne.symm": LemmaInfo("core", "Ne.symm {a b : α} (h : a ≠ b) : b ≠ a (@[symm])",
                         "Init/Core.lean (leanprover/lean4, code search)"),
    "linear_combination": LemmaInfo("mathlib", "tactic: linear_combination e closes a = b when a - b - (e.lhs - "
                                    "e.rhs) is 0 by ring1 (Mathlib.Tactic.LinearCombination)",
                                    "Mathlib tactic (long-standing)", confirmed=False),
}

DO_NOT_EMIT: frozenset[str] = frozenset({
    "Int.add_neg_cancel", "Int.neg_add_cancel",  # not in core (lemmas.md §1)
    "add_right_neg", "add_left_neg",  # root names deprecated Aug 2024, PR #15717 (lemmas.md §2)
    "pow_eq_zero",  # deprecated 2025-10-14 (alias of eq_zero_of_pow_eq_zero), GroupWithZero/Basic.lean@0ba7889
    "HasDerivAtFilter",  # signature changed (Filter (𝕜 × 𝕜)); lemmas.md §2 says avoid
})
"""Names that are deprecated, removed or do not exist at the pin; a renderer never writes them."""

FUNCTION_NAMES: frozenset[str] = frozenset({
    "Real.sqrt", "Real.exp", "Real.log", "Real.sin", "Real.cos", "Real.tan", "Real.arcsin", "Real.arccos",
    "Real.arctan", "Real.sinh", "Real.cosh", "Real.tanh", "Real.arsinh",
})
"""Mathlib function names (not lemmas) the expression printer writes; see ``expr/printers.py``."""


def lemma(name: str) -> str:
    """``name`` itself, after checking it is pinned and not deprecated: the only way renderers emit a lemma."""
    if name in DO_NOT_EMIT:
        raise RpsdgError(f"Lean lemma {name!r} is deprecated or does not exist at the pinned Mathlib; "
                         f"see python/rpsdg/lean/lemma_table.py for the replacement")
    if name not in LEMMAS:
        raise RpsdgError(f"Lean lemma {name!r} is not in the pinned table python/rpsdg/lean/lemma_table.py; "
                         f"read its statement at the pinned Mathlib and add it there first")
    return name


PLACEHOLDER = re.compile(r"\{(\w+)\}")
_IDENT = re.compile(r"(?<![\w.'])([A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*)")
_TERM_WORDS = frozenset({"by", "assumption", "fun", "show", "from", "rfl", "this", "ℝ", "Int", "Nat"})


def lemma_names_in(term: str) -> list[str]:
    """The global names a rule's Lean term uses (placeholders, binders and tactic words left out)."""
    text = PLACEHOLDER.sub("_", term)
    names = []
    for match in _IDENT.finditer(text):
        name = match.group(1)
        if name in _TERM_WORDS or name == "_" or re.fullmatch(r"[a-z]|t|[hn]\d+(?:_\d+)?", name):
            continue
        names.append(name)
    return names
