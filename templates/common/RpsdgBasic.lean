/-
rpsdg support library: shared helpers imported by every generated Mathlib module.

Kept tiny on purpose: each generated step is its own explicit obligation, proved by one named lemma; the
only shared piece is the tactic that closes a step's algebraic side goal `f' = g'` in `congr_deriv`.
-/
import Mathlib

/-- Closes `f' = g'` left by `HasDerivAt.congr_deriv`: `ring1` first; then `norm_num` (numeral casts `↑n` and
truncated exponents `n - 1` from `hasDerivAt_pow`/`fun_pow`), alone or followed by `ring1`; last `field_simp`
(cancelling a divisor needs its `≠ 0` hypothesis, which is in context) then `ring1`. Every branch must close
the goal, so the tactic fails rather than leave a goal open. -/
macro "rpsdg_deriv_eq" : tactic =>
  `(tactic| first
    | ring1
    | (norm_num; done)
    | (norm_num; ring1)
    | (push_cast; ring1)
    | (field_simp; done)
    | (field_simp; ring1))
