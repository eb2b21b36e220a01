"""`vigil nlp …` (registered by vigil.cli)."""

import typer

app = typer.Typer(help="Vietnamese NLP: train and apply the topic and tone models.", no_args_is_help=True)
