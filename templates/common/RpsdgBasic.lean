/-
rpsdg support library: shared helpers imported by every generated Mathlib module.

Kept tiny on purpose: each generated step is its own explicit obligation, proved by one named lemma. The renderer
decides in Python, before emitting, how each `congr_deriv` side goal `f' = g'` closes (python/rpsdg/lean/identity.py):
a ring identity gets `ring1`; a rational identity gets its `≠ 0` facts and `rpsdg_field`; anything else is not
rendered. The only other piece is `HasDerivAt.rpsdg_tan`, the chain rule for `Real.tan` with a variable inner
function (the bare `(Real.hasDerivAt_tan h).comp x hu` makes Lean solve `?h x =?= u` for a compound `u`).
-/
import Mathlib

/-- Closes a rational identity `f' = g'` left by `HasDerivAt.congr_deriv` once every denominator's base has a
`≠ 0` fact in context: `field_simp` clears the denominators, then `ring1` closes the polynomial identity (or
`field_simp` alone already closed it). Every branch must close the goal. -/
macro "rpsdg_field" : tactic =>
  `(tactic| first
    | (field_simp; done)
    | (field_simp; ring1))

/-- The chain rule for `Real.tan`: `Real.hasDerivAt_tan` (`HasDerivAt tan (1 / cos x ^ 2) x` for `cos x ≠ 0`,
Mathlib/Analysis/SpecialFunctions/Trigonometric/ArctanDeriv.lean) composed with `hf` by `HasDerivAt.comp`
(x explicit first, Mathlib/Analysis/Calculus/Deriv/Comp.lean), with `f` a variable so that `?h x =?= f x` is a
pattern; the derivative is restated as `f' / cos (f x) ^ 2` by `ring` (`1 / a * b = b / a` holds in any field). -/
theorem HasDerivAt.rpsdg_tan {f : ℝ → ℝ} {f' x : ℝ} (hf : HasDerivAt f f' x) (h : Real.cos (f x) ≠ 0) :
    HasDerivAt (fun y => Real.tan (f y)) (f' / Real.cos (f x) ^ 2) x := by
  have hc : HasDerivAt (Real.tan ∘ f) (1 / Real.cos (f x) ^ 2 * f') x :=
    (Real.hasDerivAt_tan h).comp x hf
  exact hc.congr_deriv (by ring)
