"""The ``rpsdg`` command line: one thin command per verb over an importable function.

Commands here: ``build``, ``show``, ``check``, ``version``, and ``convert`` (``cli/convert.py``). Sub-apps for
other areas live in their own modules and are added with ``app.add_typer``: ``rpsdg lean`` (``cli/lean.py``),
``rpsdg export`` (``cli/export.py``), and any commands a kind brings (``KindSpec.commands``, e.g. the theorem
kind's ``rpsdg rules``). Errors become exit codes in ``cli/base.py`` only.
"""

from __future__ import annotations

import tomllib
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape

from rpsdg import __version__
from rpsdg.cli.base import err, out, progress_bar, run_guarded
from rpsdg.errors import ConfigError
from rpsdg.kinds import DEFAULT_KIND, kind_names

app = typer.Typer(name="rpsdg", no_args_is_help=True, add_completion=False,
                  help="Reverse-process synthetic data: hard problems with checked step-by-step solutions.")


class ShardFormat(str, Enum):
    parquet = "parquet"
    jsonl = "jsonl"


class Executor(str, Enum):
    process = "process"
    ray = "ray"


def _load_kind_config(kind: str, config_file: Optional[Path]) -> Any:
    from rpsdg.kinds import config_from_mapping, get_kind

    spec = get_kind(kind)
    if config_file is None:
        return spec.config_type()
    try:
        document = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"--config {config_file}: cannot read it ({error.strerror}); check the path") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"--config {config_file}: not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"--config {config_file}: not valid TOML ({error}); fix the syntax") from None
    others = sorted(name for name in document if name != kind)
    unknown = [name for name in others if name not in kind_names()]
    if unknown:
        raise ConfigError(f"--config {config_file}: unknown table(s) [{'], ['.join(unknown)}]; tables are named "
                          f"after kinds: {', '.join(kind_names())}")
    if kind not in document and others:
        raise ConfigError(f"--config {config_file}: has [{'], ['.join(others)}] but no [{kind}] table, and this "
                          f"build makes {kind} items; pass --kind {others[0]} or add a [{kind}] table")
    table = document.get(kind, {})
    if not isinstance(table, dict):
        raise ConfigError(f"--config {config_file}: [{kind}] must be a table")
    return config_from_mapping(spec, table, f"--config {config_file} [{kind}]")


def _with_direction(kind_config: Any, kind: str, direction: Optional[str]) -> Any:
    """``kind_config`` with its ``direction`` setting replaced (the kind's config validates the value)."""
    if direction is None:
        return kind_config
    import dataclasses

    if "direction" not in getattr(kind_config, "__dataclass_fields__", {}):
        raise ConfigError(f"--direction {direction}: kind {kind!r} has no direction setting; drop the option")
    return dataclasses.replace(kind_config, direction=direction)


_STORAGE_OPTION_HELP = ("KEY=VALUE for the filesystem of a URL (repeatable; VALUE is JSON or text), e.g. "
                        "endpoint_url=http://localhost:9000 or anon=true for s3://. Credentials usually come from "
                        "the environment (AWS_ACCESS_KEY_ID, ...); see docs/corpus.md.")


def _location(text: str, storage_option: Optional[list[str]], what: str) -> Any:
    """``text`` (a path or URL) as a ``Path`` or a ``RemotePath`` (``corpus/location.py``)."""
    from rpsdg.corpus.location import as_location, parse_storage_options

    return as_location(text, parse_storage_options(storage_option or []), what)


@app.command()
def build(
    kind: Annotated[str, typer.Option(help=f"Kind of item: {', '.join(kind_names())}.")] = DEFAULT_KIND,
    count: Annotated[int, typer.Option(help="Number of verified, distinct records to write.")] = 1000,
    levels: Annotated[str, typer.Option(help="Difficulty levels: a range (1-5), a list (1,3) or one level.")] = "1-5",
    seed: Annotated[int, typer.Option(help="Seed; the same command gives byte-identical shards.")] = 0,
    out_dir: Annotated[str, typer.Option("--out", help="Output corpus: a directory, or a URL of any fsspec "
                                                     "filesystem (s3://bucket/prefix, gs://..., memory://...; "
                                                     "needs `pip install 'rpsdg\\[cloud]'`).")] = "corpus",
    fmt: Annotated[ShardFormat, typer.Option("--format", help="Shard format.")] = ShardFormat.parquet,
    force: Annotated[bool, typer.Option(help="Replace a non-empty --out directory.")] = False,
    workers: Annotated[int, typer.Option(help="Worker processes (the corpus does not depend on it).")] = 1,
    shard_size: Annotated[int, typer.Option(help="Records per shard.")] = 10_000,
    config: Annotated[Optional[Path], typer.Option(help="TOML file with a [KIND] table of generator settings.")] = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted build of --out (same command) from its last "
                                               "complete shard.")] = False,
    lean: Annotated[bool, typer.Option("--lean", help="Also write OUT/lean, a Lake project of the items.")] = False,
    executor: Annotated[Executor, typer.Option(help="Where items are made: local processes (--workers) or a Ray "
                                                     "cluster (needs `pip install 'rpsdg\\[ray]'`); the corpus is "
                                                     "the same.")] = Executor.process,
    ray_address: Annotated[Optional[str], typer.Option(help="Ray cluster address for --executor ray (e.g. "
                                                            "ray://head:10001); without it a local Ray starts with "
                                                            "--workers CPUs (at least 2).")] = None,
    direction: Annotated[Optional[str], typer.Option(help="How items are made, for kinds with a `direction` setting "
                                                          "(integral: backward, forward, parts or mixed); "
                                                          "overrides --config.")] = None,
    storage_option: Annotated[Optional[list[str]], typer.Option(
        "--storage-option", help=_STORAGE_OPTION_HELP)] = None,
    dedup_partitions: Annotated[int, typer.Option(help="Dedup owners by uid prefix: 0 keeps one set of seen uids "
                                                       "in this process; P >= 1 splits it over P owners (Ray "
                                                       "actors with --executor ray). The corpus is the same.")] = 0,
    value_dedup: Annotated[bool, typer.Option("--value-dedup", help="Also drop items whose value fingerprint "
                                                                    "equals an earlier item's (integrals: "
                                                                    "numerically equal integrands); counted in "
                                                                    "the manifest.")] = False,
) -> None:
    """Generate, check and write a corpus."""
    from rpsdg.run.pipeline import BuildConfig, build as run_build, parse_levels

    def action() -> dict[str, Any]:
        location = _location(out_dir, storage_option, "--out")
        if lean and not isinstance(location, Path):
            raise ConfigError(f"--lean: writes a Lake project into a local corpus directory, not into {out_dir}; "
                              f"build to a directory for --lean, or drop it")
        build_config = BuildConfig(kind=kind, count=count, levels=parse_levels(levels), seed=seed, out=location,
                                   format=fmt.value, force=force, shard_size=shard_size, workers=workers,
                                   kind_config=_with_direction(_load_kind_config(kind, config), kind, direction),
                                   resume=resume, executor=executor.value, ray_address=ray_address,
                                   dedup_partitions=dedup_partitions, value_dedup=value_dedup)
        with progress_bar(f"building {kind}", count) as advance:
            return run_build(build_config, advance)

    try:
        manifest = run_guarded(action)
    except KeyboardInterrupt:
        from rpsdg.corpus.location import is_url

        done = (f"{escape(out_dir)} has no manifest.json, so it is not a corpus yet" if is_url(out_dir)
                else f"nothing was written to {escape(out_dir)}")
        err.print(f"[yellow]interrupted:[/] {done}; run the same command with --resume to continue from the last "
                  f"complete shard")
        raise typer.Exit(130) from None
    _print_build_summary(manifest, out_dir)
    if lean:
        from rpsdg.cli.lean import render_and_report

        render_and_report(_location(out_dir, None, "--out"), 50)


def _print_build_summary(manifest: dict[str, Any], out_dir: str) -> None:
    seconds = manifest.get("seconds", 0) or 1e-9
    confirmed = manifest["confirmed"]
    out.print(f"wrote {manifest['records']} {manifest['kind']} records to {escape(str(out_dir))} "
              f"({len(manifest['shards'])} shard(s), {manifest['records'] / seconds:.1f} records/s)")
    out.print(f"  per level: {manifest['records_per_level']}")
    out.print(f"  candidates: {manifest['candidates']}, dropped: {manifest['dropped'] or 'none'}")
    out.print(f"  confirmed symbolically: {confirmed['symbolically']}, numerically only: "
              f"{confirmed['numerically_only']}")
    if manifest["shortfall"]:
        err.print(f"[yellow]warning:[/] {manifest['shortfall']} fewer records than asked: the candidate budget ran "
                  f"out (too many duplicates or drops at these levels); widen --levels or lower --count")


@app.command()
def show(
    corpus: Annotated[str, typer.Argument(help="Corpus directory or URL (s3://bucket/prefix, ...).")],
    uid: Annotated[Optional[str], typer.Argument(help="A record's uid (or its first characters).")] = None,
    list_uids: Annotated[bool, typer.Option("--list", help="List uids, levels and problems instead.")] = False,
    storage_option: Annotated[Optional[list[str]], typer.Option(
        "--storage-option", help=_STORAGE_OPTION_HELP)] = None,
) -> None:
    """Print one record as a person reads it, and re-check it (the stored verdicts are the build's)."""
    from rpsdg.corpus.store import Corpus

    def action() -> tuple[str, str]:
        opened = Corpus(_location(corpus, storage_option, "CORPUS"))
        if list_uids or uid is None:
            listing = "\n".join(f"{row['uid'][:16]}  L{row['level']}  {row['problem'][:90]}" for row in opened.rows())
            return listing, ""
        row = opened.find(uid)
        verdicts = opened.spec.run_checks(row)
        now = ", ".join(f"{v.checker} {v.status}" for v in verdicts)
        text = f"{opened.spec.describe(row)}\n(the checks above are stored from the build) re-checked now: {now}"
        rejected = [v for v in verdicts if v.status == "rejected"]
        warning = (f"warning: this record FAILS when re-checked from its stored text ({rejected[0].checker}: "
                   f"{rejected[0].detail}); its stored verdicts are not to be trusted; run `rpsdg check {corpus}`"
                   if rejected else "")
        return text, warning

    text, warning = run_guarded(action)
    out.print(text, highlight=False, markup=False)
    if warning:
        err.print(escape(warning), highlight=False)
        raise typer.Exit(1)


@app.command()
def check(
    corpus: Annotated[str, typer.Argument(help="Corpus directory or URL (s3://bucket/prefix, ...).")],
    show_failures: Annotated[int, typer.Option(help="How many failing records to list.")] = 20,
    storage_option: Annotated[Optional[list[str]], typer.Option(
        "--storage-option", help=_STORAGE_OPTION_HELP)] = None,
) -> None:
    """Re-verify every record from its stored text; exit 1 if any record fails."""
    from rpsdg.run.check import check_corpus

    def action():
        from rpsdg.corpus.store import read_manifest

        location = _location(corpus, storage_option, "CORPUS")
        total = read_manifest(location).get("records")
        with progress_bar("checking", total if isinstance(total, int) else None) as advance:
            return check_corpus(location, advance)

    report = run_guarded(action)
    for problem in report.integrity:
        err.print(f"[red]integrity:[/] {escape(str(problem))}", highlight=False)
    out.print(f"checked {report.records} records")
    for checker, counts in sorted(report.per_checker.items()):
        out.print(f"  {checker}: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    for uid, reason in report.failures[:show_failures]:
        out.print(f"  FAIL {uid[:16]}  {reason}", highlight=False, markup=False)
    if len(report.failures) > show_failures:
        out.print(f"  ... and {len(report.failures) - show_failures} more")
    if report.failures or report.integrity:
        raise typer.Exit(1)


def _register_convert() -> None:
    from rpsdg.cli.convert import convert

    app.command("convert")(convert)


_register_convert()


@app.command()
def version() -> None:
    """Print the rpsdg version, which modules run compiled (``RPSDG_COMPILE=1`` installs) and which C modules of
    that build are loaded, and which ``Fraction`` (``quicktions`` or the standard library's; see
    ``rpsdg/expr/rational.py``)."""
    from rpsdg.compiled import compiled_modules, loaded_c_modules
    from rpsdg.expr.rational import IMPLEMENTATION

    compiled = compiled_modules()
    build = f"compiled: {', '.join(compiled)}" if compiled else "pure Python"
    c_modules = loaded_c_modules()
    if c_modules:
        build += f"; C: {', '.join(c_modules)}"
    out.print(f"{__version__} ({build}; fractions: {IMPLEMENTATION})")


SUBAPPS: tuple[str, ...] = ("rpsdg.cli.lean", "rpsdg.cli.export")
"""Modules that each define ``app`` (a typer app), ``NAME`` and ``HELP``; added as ``rpsdg NAME ...``."""


def _register_subapps() -> None:
    import importlib

    from rpsdg.kinds import get_kind

    for module_name in SUBAPPS:
        module = importlib.import_module(module_name)
        app.add_typer(module.app, name=module.NAME, help=module.HELP)
    for name in kind_names():
        commands = get_kind(name).commands
        if commands is not None:
            sub_name, sub_help, sub_app = commands()
            app.add_typer(sub_app, name=sub_name, help=sub_help)


_register_subapps()
from rpsdg.cli.environment import add_commands  # noqa: E402 - rpsdg eval, report, contamination
add_commands(app)


def main() -> None:
    app()
