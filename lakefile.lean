import Lake
open Lake DSL

/-!
rpsdg's Lean package: the support library (`lean/Rpsdg/Basic.lean`) that generated corpus projects import.
Corpus projects (`rpsdg lean render CORPUS` → `CORPUS/lean/`) carry their own lakefile with the same pin and a
copy of the support library, so they build on their own. Pin: Lean v4.34.0 + Mathlib v4.34.0 (see README "Lean").
-/

package «rpsdg» where
  -- add package configuration options here

require mathlib from git
  "https://github.com/leanprover-community/mathlib4" @ "v4.34.0"

@[default_target]
lean_lib Rpsdg where
  srcDir := "lean"
