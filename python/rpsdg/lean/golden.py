"""The golden Lake project: ``tests/golden/*.lean`` plus N fresh items per kind, for the first run where Lean exists.

Why: the golden files are the renderers' reviewed output (one per template and per fixed defect); compiling them,
and a few dozen items of each kind, is the cheapest check that what we emit is what Lean accepts. ``.ci/run`` and
``.github/workflows/lean.yml`` call this, then ``lake exe cache get && lake build`` in the result.

    python3 -m rpsdg.lean.golden OUT [--golden tests/golden] [--items 40] [--seed 1]

The N items per kind are a pure function of (kind, N, seed); their project is written by ``write_project`` and each
golden file becomes a module ``RpsdgItems/Golden<Name>.lean`` imported by the default target. To add a golden file:
add it under ``tests/golden`` (``tests/test_lean_render.py`` writes them).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from rpsdg.lean.project import ITEMS, write_project


def _module_name(path: Path) -> str:
    return "Golden" + "".join(part.capitalize() for part in path.stem.split("_"))


def write_golden_project(target: Path, golden: Path, items_per_kind: int = 40, seed: int = 1,
                         kinds: tuple[str, ...] | None = None) -> list[str]:
    """Write the project at ``target`` (replaced); returns the module paths it holds. ``kinds``: every registered
    kind with a Lean renderer unless given."""
    from rpsdg.kinds import get_kind, kind_names

    kinds = kinds if kinds is not None else tuple(k for k in kind_names() if get_kind(k).lean is not None)
    from rpsdg.corpus.store import Corpus
    from rpsdg.run.pipeline import BuildConfig, build

    rows = []
    with tempfile.TemporaryDirectory(prefix="rpsdg-golden-") as scratch:
        for kind in kinds if items_per_kind > 0 else ():
            out = Path(scratch) / kind
            build(BuildConfig(kind=kind, count=items_per_kind, seed=seed, out=out, format="jsonl"))
            rows.extend(Corpus(out).rows())
        report = write_project(rows, target, corpus_name=f"golden+{items_per_kind}-per-kind-seed-{seed}")
    modules = list(report.modules)
    for path in sorted(golden.glob("*.lean")):
        name = _module_name(path)
        shutil.copyfile(path, target / ITEMS / f"{name}.lean")
        modules.append(f"{ITEMS}/{name}.lean")
    (target / f"{ITEMS}.lean").write_text("".join(f"import {ITEMS}.{Path(m).stem}\n" for m in modules),
                                          encoding="utf-8")
    return modules


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--golden", type=Path, default=Path("tests/golden"))
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args(argv)
    modules = write_golden_project(arguments.out, arguments.golden, arguments.items, arguments.seed)
    print(f"golden Lake project at {arguments.out}: {len(modules)} modules; check with "
          f"`cd {arguments.out} && lake exe cache get && lake build`")


if __name__ == "__main__":
    main()
