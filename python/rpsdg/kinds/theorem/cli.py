"""``rpsdg rules ...``: look at the rewrite rules the theorem generator walks over.

``rules list`` prints every rule (name, family, domains, equation, conditions, Lean terms); ``rules graph --out
g.graphml`` writes the rule graph (nodes are rules, an edge means the second can fire on the first's output).
Both load and audit the rule files first, so a broken rule file is reported here with exit code 2.
Thin commands over ``rpsdg.kinds.theorem.rules``; to add a command, add a function over an importable one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from rpsdg.cli.base import out, run_guarded

NAME = "rules"
HELP = "List the rewrite rules and export the rule graph."

app = typer.Typer(name=NAME, help=HELP, no_args_is_help=True, add_completion=False)

FileOption = Annotated[Optional[list[Path]], typer.Option(
    "--file", help="Rule file(s) to load instead of the shipped ones (repeat the option).")]


def _book(files: Optional[list[Path]]):
    from rpsdg.kinds.theorem.rules import load_rulebook

    return load_rulebook(files or None)


def rules_table(files: Optional[list[Path]] = None, family: Optional[str] = None) -> str:
    """The rules as text, one block per rule."""
    from rpsdg.errors import ConfigError
    from rpsdg.expr.printers import to_infix

    book = _book(files)
    if family is not None and family not in book.families():
        raise ConfigError(f"--family {family!r}: unknown family; known: {', '.join(book.families())}")
    lines = []
    for rule in book.rules:
        if family is not None and rule.family != family:
            continue
        conditions = ", ".join(to_infix(c) for c in rule.conditions)
        lines.append(f"{rule.name:<24} [{rule.family}; {','.join(rule.domain)}]  {to_infix(rule.lhs)} = "
                     f"{to_infix(rule.rhs)}" + (f"   if {conditions}" if conditions else ""))
        lines.append(f"{'':<24} lean_int: {rule.lean_int or '-'}   lean_real: {rule.lean_real or '-'}")
    shown = sum(1 for r in book.rules if family is None or r.family == family)
    lines.append(f"{shown} rules ({', '.join(book.families())} available), all audited")
    return "\n".join(lines)


@app.command("list")
def list_rules(
    files: FileOption = None,
    family: Annotated[Optional[str], typer.Option(help="Show only this family.")] = None,
) -> None:
    """Print every rule with its family, domains, conditions and Lean terms."""
    out.print(run_guarded(lambda: rules_table(files, family)), highlight=False, markup=False)


def write_graph(out_path: Path, files: Optional[list[Path]] = None, force: bool = False) -> tuple[int, int]:
    """Write the rule graph as GraphML (temp file, then rename); (nodes, edges)."""
    import networkx as nx

    from rpsdg.atomic import atomic_path
    from rpsdg.errors import ConfigError
    from rpsdg.kinds.theorem.rules.graph import rule_graph

    if out_path.exists() and not force:
        raise ConfigError(f"--out {out_path}: the file exists; pass --force to replace it")
    if not out_path.parent.is_dir():
        raise ConfigError(f"--out {out_path}: the folder {out_path.parent} does not exist; create it first")
    graph = rule_graph(_book(files))
    with atomic_path(out_path) as temporary:  # temp file + rename, with the user's umask
        nx.write_graphml(graph, str(temporary))
    return graph.number_of_nodes(), graph.number_of_edges()


@app.command("graph")
def graph(
    out_path: Annotated[Path, typer.Option("--out", help="GraphML file to write.")] = Path("rules.graphml"),
    files: FileOption = None,
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
) -> None:
    """Export the rule graph (networkx GraphML): nodes are rules, an edge means the second can fire on the
    first's output."""
    nodes, edges = run_guarded(lambda: write_graph(out_path, files, force))
    out.print(f"wrote {escape(str(out_path))}: {nodes} rules, {edges} edges")
