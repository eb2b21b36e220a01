"""`vigil nlp …` (registered by vigil.cli): train a topic/tone model, classify a JSONL file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import typer

from core.console import console, progress, settings_from
from nlp.entities import gazetteer_path, use_gazetteer
from nlp.errors import TrainingDataError
from nlp.jsonl import read_jsonl, record_parts
from nlp.watchlists import Watchlist

app = typer.Typer(help="Vietnamese NLP: train and apply the topic and tone models.", no_args_is_help=True)

BATCH = 64


def load_watchlists(path: Path | None) -> list[Watchlist]:
    """Watchlists from a TOML file: [[watchlist]] id = "…", name = "…", terms = ["…"]."""
    if path is None:
        return []
    if not path.is_file():
        raise TrainingDataError(f"watchlists file {path} does not exist; fix nlp.watchlists_file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return [
            Watchlist(str(w["id"]), str(w.get("name", w["id"])), list(w["terms"])) for w in data["watchlist"]
        ]
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise TrainingDataError(
            f"{path} is not a watchlists file ({exc}); expected [[watchlist]] tables with id, name, terms"
        ) from exc


@app.command("train")
def train_command(
    task: str = typer.Argument(..., help="topic or tone"),
    train: Path = typer.Option(..., "--train", help="labelled JSON Lines file"),
    out: Path = typer.Option(..., "--out", help="directory for <task>-<version>-<date>.skops + model card"),
    text_field: str | None = typer.Option(
        None, "--text-field", help="field holding the text (default: title + sapo/summary + body/text)"
    ),
    label_field: str = typer.Option("label", "--label-field", help="field holding the label"),
    add: list[Path] = typer.Option(
        [],
        "--add",
        help="more labelled JSONL (`vigil nlp export-labels` output); rows without the label are skipped",
    ),
    version: str = typer.Option("1.0", "--version", help="model version written into the file name"),
    holdout: float = typer.Option(0.2, "--holdout", min=0.0, max=0.5, help="fraction held out for metrics"),
) -> None:
    """Train a model from any labelled JSONL; prints held-out metrics per class, writes skops + card."""
    # lazy: scikit-learn and skops cost ~2.5 s to import; `vigil --help` and the other commands need neither
    from nlp.cards import format_metrics
    from nlp.modelstore import TASKS
    from nlp.training import train_from_jsonl

    if task not in TASKS:
        raise TrainingDataError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    command = f"vigil nlp train {task} --train {train} --out {out}"
    if text_field:
        command += f" --text-field {text_field}"
    if label_field != "label":
        command += f" --label-field {label_field}"
    for extra in add:
        command += f" --add {extra}"
    with console.status(f"training {task} on {train}"):
        result = train_from_jsonl(
            task,
            train,
            out,
            text_field=text_field,
            label_field=label_field,
            version=version,
            holdout=holdout,
            command=command,
            add=add,
        )
    for name, metrics in result.card["metrics"].items():
        console.print(format_metrics(name, metrics), highlight=False)
    typer.echo(str(result.path))


@app.command("classify")
def classify_command(
    ctx: typer.Context,
    input: Path = typer.Option(..., "--input", help="JSONL with title, optional summary/sapo, text/body"),
    output: Path = typer.Option(..., "--output", help="JSONL written back with the enrichment fields"),
    model_dir: Path | None = typer.Option(None, "--model-dir", help="models to use (default: shipped)"),
    watchlists_file: Path | None = typer.Option(None, "--watchlists", help="TOML watchlists file"),
) -> None:
    """Add topic, topic_score, tone, tone_score, entities (and watchlists) to every line of a JSONL file."""
    from nlp.enrich import analyse_texts  # lazy: loads scikit-learn and skops (~2.4 s)

    settings = settings_from(ctx)
    use_gazetteer(gazetteer_path(settings.nlp.gazetteer_file, settings.data_dir))
    model_dir = model_dir or settings.nlp.model_dir
    lists = load_watchlists(watchlists_file or settings.nlp.watchlists_file)
    rows = list(read_jsonl(input))
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as fh, progress() as bar:
        task = bar.add_task("classifying", total=len(rows))
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            fields = analyse_texts([record_parts(r) for r in chunk], lists, model_dir=model_dir)
            for row, extra in zip(chunk, fields, strict=True):
                if not lists:
                    extra.pop("watchlists")
                fh.write(json.dumps({**row, **extra}, ensure_ascii=False) + "\n")
            bar.advance(task, len(chunk))
    console.print(f"[green]{len(rows)} lines classified[/green] → {output}")
