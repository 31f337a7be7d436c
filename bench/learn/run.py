#!/usr/bin/env python3
"""Does the data teach? (issue 16) Train a small transformer from scratch on integral corpora and compare, at
equal training tokens, backward-only against mixed-direction training data.

One command, end to end::

    python3 bench/learn/run.py --scale smoke|cpu|gpu --out DIR

1. builds the corpora with rpsdg (``rpsdg build --kind integral --direction ...``): two training corpora
   (``backward``, ``mixed``) and held-out test corpora of each direction (``backward``, ``forward``, ``parts``);
   test items whose uid is in a training corpus are removed;
2. exports each with ``rpsdg export seq2seq`` (Lample & Charton's ``sub Y' <integrand>`` → antiderivative prefix
   tokens) and trains one encoder-decoder transformer per (training set, seed) on the same number of training
   tokens (source + target);
3. decodes every test integrand by beam search and judges the first beam hypothesis that reads as an expression by
   meaning: ``rpsdg.score_answer(row, text)`` where that API exists, else the integral kind's own numeric check
   (d/dx answer = integrand at points where the item's hypotheses hold); the results say which judge ran;
4. evaluates also on ``bench/learn/textbook.tsv``: 100 hand-written textbook-type integrals, never trained on;
5. writes ``DIR/results.json``, ``DIR/results.md`` (accuracy per test set and level, mean ± spread over seeds) and
   ``DIR/accuracy.svg``.

Needs torch (``pip install '.[train]'``; on the project's machines ``pip install torch==2.13.0`` takes a CPU
wheel from disk). Not part of the test suite. Scales: ``smoke`` (a few minutes, tiny model: proves the pipeline,
its figures mean nothing), ``cpu`` (about 30 minutes on 2 cores), ``gpu`` (one accelerator).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

from rpsdg.expr.parse import parse  # noqa: E402
from rpsdg.expr.printers import to_infix, to_prefix  # noqa: E402
from rpsdg.expr.tree import Expr, add, num  # noqa: E402


@dataclass(frozen=True)
class Scale:
    train_items: int
    test_items: int
    d_model: int
    layers: int
    heads: int
    ff: int
    token_budget: int
    batch: int
    beam: int
    seeds: tuple[int, ...]
    levels: str
    workers: int
    max_src: int = 160
    max_tgt: int = 64
    textbook_limit: int = 100
    """How many of the 100 textbook integrals to evaluate (the smoke scale takes the first 30)."""
    threads: int = 2


SCALES = {
    "smoke": Scale(train_items=250, test_items=20, d_model=48, layers=1, heads=2, ff=96, token_budget=400_000,
                   batch=32, beam=2, seeds=(0,), levels="1-2", workers=1, max_tgt=48,
                   textbook_limit=30, threads=1),
    # cpu: sized from the smoke run's throughput (~4,000 training tokens/s for a 58k-parameter model on a shared
    # 2-core machine) to fit about 30 minutes: ~6 min of corpus builds, 6 runs x ~160 s of training, ~3 min of decoding.
    "cpu": Scale(train_items=2000, test_items=60, d_model=64, layers=2, heads=4, ff=128, token_budget=400_000,
                 batch=64, beam=3, seeds=(0, 1, 2), levels="1-3", workers=2),
    "gpu": Scale(train_items=30000, test_items=300, d_model=256, layers=4, heads=8, ff=1024,
                 token_budget=40_000_000, batch=256, beam=10, seeds=(0, 1, 2), levels="1-5", workers=12,
                 threads=16),
}
TRAIN_SETS = {"backward": ("backward", 101), "mixed": ("mixed", 202)}
TEST_SETS = {"backward": ("backward", 303), "forward": ("forward", 304), "parts": ("parts", 305)}
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]
PAD, BOS, EOS, UNK = range(4)


# -- data ----------------------------------------------------------------------------------------------------------

def rpsdg(*args: str, log: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(log, "a", encoding="utf-8") as handle:
        handle.write("$ rpsdg " + " ".join(args) + "\n")
        handle.flush()
        subprocess.run([sys.executable, "-m", "rpsdg", *args], check=True, env=env, stdout=handle,
                       stderr=subprocess.STDOUT)


def build_corpus(out: Path, direction: str, seed: int, count: int, scale: Scale, log: Path) -> Path:
    corpus = out / "corpora" / f"{direction}-{seed}"
    (out / "corpora").mkdir(parents=True, exist_ok=True)
    (out / "seq2seq").mkdir(parents=True, exist_ok=True)
    if not (corpus / "manifest.json").exists():
        rpsdg("build", "--kind", "integral", "--direction", direction, "--count", str(count), "--seed", str(seed),
              "--levels", scale.levels, "--format", "jsonl", "--workers", str(scale.workers), "--out", str(corpus),
              "--force", log=log)
    export = out / "seq2seq" / f"{direction}-{seed}"
    if not (export / "rpsdg_export.json").exists():
        rpsdg("export", "seq2seq", str(corpus), "--out", str(export), "--force", log=log)
    return corpus


def load_items(corpus: Path, export: Path) -> list[dict[str, Any]]:
    """The seq2seq pairs (all of the export's ``random`` splits) joined with their corpus rows by uid."""
    from rpsdg.corpus.store import Corpus

    rows = {row["uid"]: row for row in Corpus(corpus).rows()}  # decoded rows, whatever the stored layout
    items = []
    for part in ("train", "validation", "test"):
        path = export / "random" / f"{part}.jsonl"
        if path.exists():
            for line in path.open(encoding="utf-8"):
                pair = json.loads(line)
                items.append({"src": pair["src"].split(), "tgt": pair["tgt"].split(), "row": rows[pair["uid"]],
                              "level": int(pair["level"])})
    return items


def textbook_items() -> list[dict[str, Any]]:
    from rpsdg.maths.calculus import domain_conditions

    items = []
    for number, line in enumerate((ROOT / "bench" / "learn" / "textbook.tsv").open(encoding="utf-8")):
        if line.startswith("#") or not line.strip():
            continue
        integrand, answer, source = line.rstrip("\n").split("\t")
        f, F = parse(integrand, "textbook integrand"), parse(answer, "textbook answer")
        row = {"uid": f"textbook-{number:03d}", "kind": "integral", "level": 0, "problem": to_infix(f),
               "answer": to_infix(F), "hypotheses": [to_infix(h) for h in domain_conditions(add(f, F))],
               "steps": [], "source": source}
        items.append({"src": ["sub", "Y'"] + to_prefix(f), "tgt": to_prefix(F), "row": row, "level": 0})
    return items


# -- judging ---------------------------------------------------------------------------------------------------------

def _read_prefix(tokens: list[str]) -> Expr | None:
    """Our tree for prefix tokens (``to_prefix``'s format), or ``None`` where they do not form one expression."""
    from fractions import Fraction

    binary = {"add", "sub", "mul", "div", "pow"}
    unary = {"neg", "sqrt", "exp", "log", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
             "asinh", "acosh", "atanh"}
    position = 0

    def read() -> Expr:
        nonlocal position
        if position >= len(tokens):
            raise ValueError("too short")
        token = tokens[position]
        position += 1
        if token in binary:
            left = read()
            return Expr(token, (left, read()))
        if token == "ln":
            return Expr("log", (read(),))
        if token in unary:
            return Expr(token, (read(),))
        if token in ("INT+", "INT-"):
            digits = ""
            while position < len(tokens) and tokens[position].isdigit():
                digits += tokens[position]
                position += 1
            if not digits or len(digits) > 6:
                raise ValueError("INT without digits, or an absurd one")
            denominator = ""
            if position < len(tokens) and tokens[position] == "/":  # to_prefix spells a fraction 1 / 2
                position += 1
                while position < len(tokens) and tokens[position].isdigit():
                    denominator += tokens[position]
                    position += 1
                if not denominator or len(denominator) > 6 or int(denominator) == 0:
                    raise ValueError("bad fraction")
            value = Fraction(int(digits), int(denominator or 1))
            return num(value if token == "INT+" else -value)
        if token.isidentifier() and token not in binary | unary:
            return Expr("sym", (), token)
        raise ValueError(f"unknown token {token}")

    try:
        e = read()
    except (ValueError, RecursionError):
        return None
    return e if position == len(tokens) else None


def make_judge() -> tuple[Callable[[dict[str, Any], str], bool], str]:
    """``(judge(row, answer_text) -> correct?, name)``: ``rpsdg.score_answer`` where importable, else the
    integral kind's own numeric derivative check."""
    try:
        from rpsdg import score_answer  # type: ignore[attr-defined]
    except ImportError:
        score_answer = None
    judge, name = _make_judge(score_answer)

    def bounded(row: dict[str, Any], text: str) -> bool:
        """A model's answer can be an absurd tree (huge powers): judge it under a 5 s alarm, wrong past it."""
        import signal

        def expire(signum: int, frame: Any) -> None:
            raise TimeoutError()

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, 5.0)
        try:
            return judge(row, text)
        except TimeoutError:
            return False
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return bounded, name


def _make_judge(score_answer: Any) -> tuple[Callable[[dict[str, Any], str], bool], str]:
    if score_answer is not None:
        def by_api(row: dict[str, Any], text: str) -> bool:
            result = score_answer(row, text)
            for attribute in ("correct", "passed", "ok"):
                if hasattr(result, attribute):
                    return bool(getattr(result, attribute))
            if hasattr(result, "score"):
                return float(result.score) >= 1.0
            return float(result) >= 1.0 if isinstance(result, (int, float)) else bool(result)

        return by_api, "rpsdg.score_answer"
    from rpsdg.kinds.integral.check import POINTS, VAR, domain_points, parse_row
    from rpsdg.maths.numeric import derivative_agreement

    def numeric(row: dict[str, Any], text: str) -> bool:
        try:
            record = parse_row(row)
            candidate = parse(text, "model answer")
        except Exception:  # a model's text that our grammar or the record reader refuses is wrong
            return False
        if candidate.free_symbols() - {VAR}:
            return False
        points = domain_points(record)
        try:
            return derivative_agreement(candidate, record.problem, points, VAR) >= POINTS.quorum
        except (ArithmeticError, ValueError, OverflowError):
            return False

    return numeric, "integral numeric check (d/dx answer = integrand at sampled points)"


# -- model -----------------------------------------------------------------------------------------------------------

def train_and_eval(torch: Any, scale: Scale, seed: int, train: list[dict], tests: dict[str, list[dict]],
                   vocab: dict[str, int], judge: Callable, log: Callable[[str], None]) -> dict[str, Any]:
    nn = torch.nn
    torch.manual_seed(seed)
    rng = random.Random(seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    V = len(vocab)

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(V, scale.d_model, padding_idx=PAD)
            self.position = nn.Embedding(max(scale.max_src, scale.max_tgt) + 2, scale.d_model)
            self.core = nn.Transformer(scale.d_model, scale.heads, scale.layers, scale.layers, scale.ff,
                                       dropout=0.1, batch_first=True)
            self.out = nn.Linear(scale.d_model, V)

        def embed_at(self, ids: Any) -> Any:
            positions = torch.arange(ids.shape[1], device=ids.device)
            return self.embed(ids) * math.sqrt(scale.d_model) + self.position(positions)[None]

        def encode(self, src: Any) -> tuple[Any, Any]:
            mask = src == PAD
            return self.core.encoder(self.embed_at(src), src_key_padding_mask=mask), mask

        def decode(self, memory: Any, memory_mask: Any, tgt: Any) -> Any:
            causal = self.core.generate_square_subsequent_mask(tgt.shape[1], device=tgt.device)
            hidden = self.core.decoder(self.embed_at(tgt), memory, tgt_mask=causal, tgt_is_causal=True,
                                       tgt_key_padding_mask=tgt == PAD, memory_key_padding_mask=memory_mask)
            return self.out(hidden)

    def ids(tokens: list[str]) -> list[int]:
        return [vocab.get(t, UNK) for t in tokens]

    pairs = [(ids(item["src"]), ids(item["tgt"])) for item in train
             if len(item["src"]) <= scale.max_src and len(item["tgt"]) + 2 <= scale.max_tgt]
    model = Model().to(device)
    parameters = sum(p.numel() for p in model.parameters())
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3 if scale.d_model < 200 else 5e-4, weight_decay=0.01)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)
    seen, steps, started, losses = 0, 0, time.time(), []
    total_steps_estimate = max(1, scale.token_budget // max(1, scale.batch * statistics.mean(
        len(s) + len(t) + 2 for s, t in pairs)))
    model.train()
    while seen < scale.token_budget:
        batch = [pairs[rng.randrange(len(pairs))] for _ in range(scale.batch)]
        src_len = max(len(s) for s, _ in batch)
        tgt_len = max(len(t) for _, t in batch) + 2
        src = torch.full((len(batch), src_len), PAD, dtype=torch.long)
        tgt = torch.full((len(batch), tgt_len), PAD, dtype=torch.long)
        for row, (s, t) in enumerate(batch):
            src[row, :len(s)] = torch.tensor(s)
            tgt[row, :len(t) + 2] = torch.tensor([BOS] + t + [EOS])
            seen += len(s) + len(t) + 2
        src, tgt = src.to(device), tgt.to(device)
        lr_scale = min(1.0, (steps + 1) / 100) * max(0.1, 1 - steps / (1.2 * total_steps_estimate))
        for group in optimiser.param_groups:
            group["lr"] = (1e-3 if scale.d_model < 200 else 5e-4) * lr_scale
        memory, memory_mask = model.encode(src)
        logits = model.decode(memory, memory_mask, tgt[:, :-1])
        loss = loss_fn(logits.reshape(-1, V), tgt[:, 1:].reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(float(loss.detach()))
        steps += 1
        if steps % 200 == 0:
            log(f"    step {steps}: loss {statistics.mean(losses[-200:]):.3f}, {seen} tokens, "
                f"{time.time() - started:.0f}s")
    train_seconds = time.time() - started
    model.eval()
    inverse = {i: t for t, i in vocab.items()}

    @torch.no_grad()
    def beam_search(src_ids: list[int]) -> list[list[str]]:
        src = torch.tensor([src_ids[:scale.max_src]], device=device)
        memory, memory_mask = model.encode(src)
        beams = [([BOS], 0.0)]
        finished: list[tuple[list[int], float]] = []
        for _ in range(scale.max_tgt):
            candidates = []
            alive = [b for b in beams]
            if not alive:
                break
            tgt = torch.tensor([b[0] for b in alive], device=device)
            logits = model.decode(memory.expand(len(alive), -1, -1), memory_mask.expand(len(alive), -1), tgt)
            logp = torch.log_softmax(logits[:, -1], dim=-1)
            top = torch.topk(logp, scale.beam, dim=-1)
            for row, (sequence, score) in enumerate(alive):
                for value, index in zip(top.values[row].tolist(), top.indices[row].tolist()):
                    candidates.append((sequence + [index], score + value))
            candidates.sort(key=lambda c: -c[1] / len(c[0]))
            beams = []
            for sequence, score in candidates:
                if sequence[-1] == EOS:
                    finished.append((sequence, score))
                elif len(beams) < scale.beam:
                    beams.append((sequence, score))
            if len(finished) >= scale.beam or not beams:
                break
            best_done = max((c[1] / len(c[0]) for c in finished), default=-math.inf)
            if best_done >= max(b[1] / len(b[0]) for b in beams):
                break  # no live beam can still beat the best finished one on length-normalised score
        finished.sort(key=lambda c: -c[1] / len(c[0]))
        return [[inverse[i] for i in sequence[1:-1]] for sequence, _ in finished]

    results: dict[str, Any] = {}
    started = time.time()
    for name, items in tests.items():
        by_level: dict[str, list[int]] = {}
        examples = []
        for item in items:
            answer = None
            for hypothesis in beam_search(ids(item["src"])):
                tree = _read_prefix(hypothesis)
                if tree is not None:
                    answer = to_infix(tree)
                    break
            correct = answer is not None and tree.size() <= 4 * scale.max_tgt and judge(item["row"], answer)
            by_level.setdefault(str(item["level"]), []).append(int(correct))
            if len(examples) < 5:
                examples.append({"problem": item["row"]["problem"], "model": answer, "correct": correct})
        total = [c for cs in by_level.values() for c in cs]
        results[name] = {"accuracy": sum(total) / max(1, len(total)), "n": len(total),
                         "per_level": {k: sum(v) / len(v) for k, v in sorted(by_level.items())},
                         "examples": examples}
        log(f"    {name}: {results[name]['accuracy']:.3f} of {len(total)} ({time.time() - started:.0f}s)")
    return {"parameters": parameters, "train_steps": steps, "train_tokens": seen, "train_seconds": train_seconds,
            "final_loss": statistics.mean(losses[-50:]), "device": device, "tests": results}


# -- report ----------------------------------------------------------------------------------------------------------

def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    table: dict[str, dict[str, dict[str, float]]] = {}
    for train_name in TRAIN_SETS:
        mine = [r for r in runs if r["train"] == train_name]
        for test_name in mine[0]["result"]["tests"] if mine else []:
            values = [r["result"]["tests"][test_name]["accuracy"] for r in mine]
            table.setdefault(train_name, {})[test_name] = {
                "mean": statistics.mean(values), "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
                "seeds": len(values)}
    return table


def write_svg(table: dict[str, dict[str, dict[str, float]]], path: Path, title: str) -> None:
    tests = sorted({t for row in table.values() for t in row})
    trains = list(table)
    colours = ["#4477aa", "#ee6677", "#228833"]
    width, height, left, bottom = 120 + 110 * len(tests), 320, 50, 260
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="11">', f'<text x="{left}" y="16" font-size="13">{title}</text>',
             f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="black"/>']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = bottom - 220 * tick
        parts.append(f'<text x="{left - 30}" y="{y + 4}">{tick:.2f}</text>')
        parts.append(f'<line x1="{left}" y1="{y}" x2="{width - 10}" y2="{y}" stroke="#ddd"/>')
    for i, test in enumerate(tests):
        for j, train in enumerate(trains):
            cell = table[train].get(test)
            if not cell:
                continue
            x = left + 10 + i * 110 + j * 32
            h = 220 * cell["mean"]
            parts.append(f'<rect x="{x}" y="{bottom - h}" width="28" height="{h}" fill="{colours[j % 3]}"/>')
            sd = 220 * cell["sd"]
            parts.append(f'<line x1="{x + 14}" y1="{bottom - h - sd}" x2="{x + 14}" y2="{bottom - h + sd}" '
                         f'stroke="black"/>')
        parts.append(f'<text x="{left + 10 + i * 110}" y="{bottom + 16}">{test}</text>')
    for j, train in enumerate(trains):
        parts.append(f'<rect x="{left + j * 150}" y="{bottom + 30}" width="12" height="12" fill="{colours[j % 3]}"/>')
        parts.append(f'<text x="{left + 16 + j * 150}" y="{bottom + 40}">trained on {train}</text>')
    parts.append("</svg>")
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(path)


def write_markdown(summary: dict[str, Any], path: Path) -> None:
    table, runs = summary["table"], summary["runs"]
    tests = sorted({t for row in table.values() for t in row})
    lines = [f"# Learnability: backward-only vs mixed-direction integral data ({summary['scale']} scale)", "",
             f"Judge: {summary['judge']}. Seeds: {summary['seeds']}. Training tokens per run: "
             f"{summary['token_budget']} (equal for both training sets). Model: {summary['parameters']} parameters. "
             f"Wall time: {summary['seconds']:.0f} s.", "",
             "| trained on | " + " | ".join(tests) + " |", "|---|" + "---|" * len(tests)]
    for train, row in table.items():
        cells = [f"{row[t]['mean']:.3f} ± {row[t]['sd']:.3f}" if t in row else "" for t in tests]
        lines.append(f"| {train} | " + " | ".join(cells) + " |")
    lines += ["", "Per level (mean over seeds; level 0 = textbook):", "",
              "| trained on | test set | " + " | ".join(f"L{level}" for level in summary["levels_seen"]) + " |",
              "|---|---|" + "---|" * len(summary["levels_seen"])]
    for train in table:
        for test in tests:
            cells = []
            for level in summary["levels_seen"]:
                values = [r["result"]["tests"][test]["per_level"].get(level) for r in runs if r["train"] == train]
                values = [v for v in values if v is not None]
                cells.append(f"{statistics.mean(values):.2f}" if values else "")
            lines.append(f"| {train} | {test} | " + " | ".join(cells) + " |")
    lines += ["", "Test-set sizes: " + ", ".join(f"{k} {v}" for k, v in summary["test_sizes"].items()),
              "Training pairs: " + ", ".join(f"{k} {v}" for k, v in summary["train_sizes"].items()), ""]
    if summary["scale"] == "smoke":
        lines.append("**Smoke scale**: a tiny model trained for seconds; this proves the pipeline runs end to end. "
                     "Its accuracies say nothing about the data.")
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="cpu")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("bench/learn needs torch: pip install '.[train]' (or pip install torch==2.13.0)", file=sys.stderr)
        return 2
    scale = SCALES[args.scale]
    warnings.filterwarnings("ignore", category=UserWarning, module="torch")
    torch.set_num_threads(max(1, min(os.cpu_count() or 1, scale.threads)))
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "log.txt"
    started = time.time()

    def log(message: str) -> None:
        print(message, flush=True)
        with open(log_path, "a", encoding="utf-8") as handle:
            handle.write(message + "\n")

    log(f"scale {args.scale}: {asdict(scale)}")
    train_sets, test_sets = {}, {}
    for name, (direction, seed) in TRAIN_SETS.items():
        corpus = build_corpus(out, direction, seed, scale.train_items, scale, log_path)
        train_sets[name] = load_items(corpus, out / "seq2seq" / f"{direction}-{seed}")
        log(f"train {name}: {len(train_sets[name])} pairs ({time.time() - started:.0f}s)")
    trained_uids = {item["row"]["uid"] for items in train_sets.values() for item in items}
    for name, (direction, seed) in TEST_SETS.items():
        corpus = build_corpus(out, direction, seed, scale.test_items, scale, log_path)
        items = load_items(corpus, out / "seq2seq" / f"{direction}-{seed}")
        test_sets[name] = [item for item in items if item["row"]["uid"] not in trained_uids]
        log(f"test {name}: {len(test_sets[name])} items ({len(items) - len(test_sets[name])} seen in training "
            f"removed)")
    test_sets["textbook"] = textbook_items()[:scale.textbook_limit]
    vocab = {token: i for i, token in enumerate(SPECIALS)}
    for items in train_sets.values():
        for item in items:
            for token in item["src"] + item["tgt"]:
                vocab.setdefault(token, len(vocab))
    judge, judge_name = make_judge()
    log(f"judge: {judge_name}")
    runs = []
    for seed in scale.seeds:
        for name, items in train_sets.items():
            log(f"training on {name}, seed {seed}")
            result = train_and_eval(torch, scale, seed, items, test_sets, vocab, judge, log)
            runs.append({"train": name, "seed": seed, "result": result})
    levels_seen = sorted({lvl for r in runs for t in r["result"]["tests"].values() for lvl in t["per_level"]})
    summary = {"scale": args.scale, "config": asdict(scale), "judge": judge_name, "seeds": list(scale.seeds),
               "token_budget": scale.token_budget, "parameters": runs[0]["result"]["parameters"],
               "seconds": time.time() - started, "table": summarise(runs), "runs": runs,
               "levels_seen": levels_seen, "test_sizes": {k: len(v) for k, v in test_sets.items()},
               "train_sizes": {k: len(v) for k, v in train_sets.items()}, "torch": torch.__version__}
    tmp = out / "results.json.tmp"
    tmp.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    tmp.replace(out / "results.json")
    write_markdown(summary, out / "results.md")
    write_svg(summary["table"], out / "accuracy.svg", f"Integral accuracy ({args.scale} scale)")
    log(f"wrote {out / 'results.md'}, {out / 'results.json'}, {out / 'accuracy.svg'} in {time.time() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
