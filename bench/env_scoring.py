"""How long score_answer and grade_steps take, per kind and level (medians, ms per call), and reasoning-gym's
integration scorer side by side where reasoning-gym is installed.

    python3 bench/env_scoring.py [--per-level 10] [--seed 1]

For every kind and level: score_answer on the reference answer (right), on a wrong answer, and grade_steps on the
reference solution (ms per call and per step). With reasoning-gym: its ``intermediate_integration`` scorer (SymPy
``parse_expr`` + ``simplify``) on its own items, and on *our* integral items and answers (plain SymPy text), each
call under a 5 s limit; agreement with our verdicts is reported. Timings are wall-clock on whatever machine runs
this (ours is a shared 2-core machine: compare ratios, not absolutes).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

import rpsdg  # noqa: E402
from rpsdg.kinds import kind_names  # noqa: E402
from rpsdg.maths.symbolic import time_limit  # noqa: E402

WRONG = {"integral": "x**7 + 3", "equation": "x = 123457", "theorem": "x = y"}


def _ms(action) -> tuple[float, object]:
    started = time.perf_counter()
    value = action()
    return (time.perf_counter() - started) * 1000, value


def ours(per_level: int, seed: int) -> dict:
    print(f"score_answer / grade_steps, median ms per call ({per_level} items per level, seed {seed})")
    print(f"{'kind':<9} {'level':>5} {'score ok':>9} {'score bad':>9} {'grade':>9} {'ms/step':>8} {'steps':>6} "
          f"{'right':>6}")
    integral_items = []
    for kind in kind_names():
        for level in (1, 2, 3, 4, 5):
            items = list(rpsdg.create_dataset(kind, per_level, seed=seed, levels=[level]))
            if kind == "integral":
                integral_items.extend(items)
            good, bad, grade, per_step, steps, right = [], [], [], [], [], 0
            for item in items:
                ms, value = _ms(lambda: rpsdg.score_answer(item, item.answer))
                good.append(ms)
                right += value == 1.0
                bad.append(_ms(lambda: rpsdg.score_answer(item, WRONG[kind]))[0])
                ms, grades = _ms(lambda: rpsdg.grade_steps(item, item.solution))
                grade.append(ms)
                per_step.append(ms / max(1, len(grades)))
                steps.append(len(grades))
            print(f"{kind:<9} {level:>5} {statistics.median(good):>9.2f} {statistics.median(bad):>9.2f} "
                  f"{statistics.median(grade):>9.1f} {statistics.median(per_step):>8.2f} "
                  f"{statistics.median(steps):>6.0f} {right:>3}/{len(items)}")
    return {"integral_items": integral_items}


def _rg_call(scorer, answer, entry, seconds=5.0):
    try:
        with time_limit(seconds):
            return scorer(answer, entry)
    except Exception:  # noqa: BLE001 - the time limit's exception, or SymPy failing: a timeout here
        return None


def reasoning_gym_side_by_side(integral_items: list, per_level: int) -> None:
    if importlib.util.find_spec("reasoning_gym") is None:
        print("\nreasoning-gym is not installed: no side-by-side figures (pip install reasoning-gym)")
        return
    import reasoning_gym

    dataset = reasoning_gym.create_dataset("intermediate_integration", size=5 * per_level, seed=1)
    times, right = [], 0
    for entry in dataset:
        ms, value = _ms(lambda: _rg_call(dataset.score_answer, entry["answer"], entry))
        times.append(ms)
        right += value == 1.0
    print(f"\nreasoning-gym intermediate_integration.score_answer on its own {len(times)} items: median "
          f"{statistics.median(times):.2f} ms, {right} scored 1.0")
    print("\non our integral items (same answers as plain SymPy text), by level: median ms (ours | reasoning-gym); "
          "reasoning-gym's verdict on the right answer and on 2*answer")
    print(f"{'level':>5} {'ours':>8} {'rg':>9} {'rg right':>9} {'rg 2F=0':>8} {'rg timeouts':>11}")
    by_level: dict[int, list] = {}
    for item in integral_items:
        by_level.setdefault(item.level, []).append(item)
    for level, items in sorted(by_level.items()):
        mine, theirs, agree, rejects, timeouts = [], [], 0, 0, 0
        for item in items:
            mine.append(_ms(lambda: rpsdg.score_answer(item, item.record["answer"]))[0])
            entry = {"metadata": {"variable": "x", "integrand": item.record["problem"]}}
            ms, value = _ms(lambda: _rg_call(dataset.score_answer, item.record["answer"], entry))
            theirs.append(ms)
            timeouts += value is None
            agree += value == 1.0
            wrong = _rg_call(dataset.score_answer, f"2*({item.record['answer']})", entry)
            rejects += wrong == 0.0
        print(f"{level:>5} {statistics.median(mine):>8.2f} {statistics.median(theirs):>9.1f} "
              f"{agree:>5}/{len(items):<3} {rejects:>4}/{len(items):<3} {timeouts:>11}")


HOSTILE = ["(" * 5000, "x^{" * 400, "9" * 5000, "\\frac" * 2000, "(x + 1)^{64}^{64}^{64}", "((x+1)^64)^64",
           "(x + y + z + 1)^{60}", "2^{2^{2^{2^{2^{2}}}}}", "10^{10^{10}}", "x" * 20000, "e^{e^{e^{e^{e^{e^{x}}}}}}",
           "\\sin^{999999999} x", "x \\in \\{" + ", ".join(str(i) for i in range(2000)) + "\\}",
           "(" + "+".join(f"x^{{{k}}}" for k in range(60)) + ")^{64}", "(x+1)^{64} (x+2)^{64} (x+3)^{64}"]


def hostile(items: dict) -> None:
    print("\nhostile text (the inputs in this script's HOSTILE list): ms per score_answer call, max and median")
    for kind, item in items.items():
        times = [_ms(lambda: rpsdg.score_answer(item, text))[0] for text in HOSTILE]
        steps = [_ms(lambda: rpsdg.grade_steps(item, text))[0] for text in HOSTILE]
        print(f"{kind:<9} score max {max(times):8.1f}  median {statistics.median(times):6.2f}   "
              f"grade_steps max {max(steps):8.1f}  median {statistics.median(steps):6.2f}")


def stress(per_level: int, seed: int) -> None:
    """The integral scorer on many items: the reference answer, answer + 3 (both must score 1), -answer and
    answer * 1.001 (both must score 0); prints the failures by level."""
    failures, total = 0, 0
    for level in (1, 2, 3, 4, 5):
        for item in rpsdg.create_dataset("integral", per_level, seed=seed, levels=[level]):
            answer = item.record["answer"]
            verdicts = (rpsdg.score_answer(item, item.answer), rpsdg.score_answer(item, f"{answer} + 3"),
                        rpsdg.score_answer(item, f"-({answer})"), rpsdg.score_answer(item, f"({answer})*(1 + 1/1000)"))
            total += 1
            if verdicts != (1.0, 1.0, 0.0, 0.0):
                failures += 1
                print(f"  level {level} {item.uid[:12]} {answer}: {verdicts}")
    print(f"integral stress: {total} items, {failures} with a wrong verdict")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-level", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stress", type=int, default=0, help="also run the integral stress check with this many "
                                                              "items per level (seed 123)")
    args = parser.parse_args()
    if args.stress:
        stress(args.stress, 123)
        return
    found = ours(args.per_level, args.seed)
    hostile({kind: rpsdg.create_dataset(kind, 1, seed=args.seed, levels=[5])[0] for kind in kind_names()})
    reasoning_gym_side_by_side(found["integral_items"], args.per_level)


if __name__ == "__main__":
    main()
