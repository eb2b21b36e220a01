"""`vigil keys …` (API keys) and `vigil kibana …` (saved objects), registered by vigil.cli."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import typer

from api.auth import Role, create_key, list_keys, revoke_key
from core.console import console, settings_from
from core.errors import VigilError
from store.factory import open_store
from store.kibana.saved_objects import to_ndjson

keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
kibana_app = typer.Typer(help="Kibana saved objects.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    role: Role = typer.Option(..., "--role", help="press, security or admin"),
    name: str = typer.Option("", "--name", help="who uses the key (shown in audit trails)"),
) -> None:
    """Create an API key; the key is printed once on stdout and never stored in clear."""
    with open_store(settings_from(ctx)) as store:
        record, raw = create_key(store, name=name or f"{role.value}-key", role=role)
    typer.echo(raw)
    console.print(
        f"[green]created[/green] key {record.id} ({record.role}, {record.name!r}): "
        "copy it now, it cannot be shown again. Send it in the X-API-Key header."
    )


@keys_app.command("list")
def keys_list(ctx: typer.Context) -> None:
    """List keys (id, role, name, creation time); the keys themselves are not stored."""
    with open_store(settings_from(ctx)) as store:
        records = list_keys(store)
    for record in records:
        typer.echo(f"{record.id}  {record.role:<8}  {record.created_at:%Y-%m-%d %H:%M}  {record.name}")


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context, key_id: str = typer.Argument(..., help="the key id (see `keys list`)")
) -> None:
    """Revoke a key: it stops working within seconds."""
    with open_store(settings_from(ctx)) as store:
        revoked = revoke_key(store, key_id)
    if not revoked:
        raise VigilError(f"no key with id {key_id!r} (see `vigil keys list`)")
    console.print(f"[green]revoked[/green] {key_id}")


@kibana_app.command("export")
def kibana_export(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", "-o", help="write here instead of stdout"),
) -> None:
    """Write the saved objects (data views + dashboards) as NDJSON, for Kibana's import."""
    settings = settings_from(ctx)
    ndjson = to_ndjson(settings.store.elasticsearch.index_prefix)
    if out is None:
        typer.echo(ndjson, nl=False)
        return
    out.write_text(ndjson, encoding="utf-8")
    console.print(f"[green]wrote[/green] {len(ndjson.splitlines())} saved objects to {out}")


@kibana_app.command("import")
def kibana_import(
    ctx: typer.Context,
    url: str = typer.Option(..., "--url", help="Kibana's base URL, e.g. https://kibana.example:5601"),
    api_key: str | None = typer.Option(
        None, "--api-key", envvar="VIGIL_KIBANA_API_KEY", help="an Elastic API key (base64 id:key)"
    ),
    user: str | None = typer.Option(None, "--user", help="basic-auth user (password: VIGIL_KIBANA_PASSWORD)"),
    space: str | None = typer.Option(None, "--space", help="Kibana space id (default space if omitted)"),
    verify: bool = typer.Option(True, "--verify/--no-verify", help="check Kibana's TLS certificate"),
) -> None:
    """Load the saved objects into Kibana through its saved-objects API (overwriting Vigil's own)."""
    settings = settings_from(ctx)
    ndjson = to_ndjson(settings.store.elasticsearch.index_prefix)
    headers = {"kbn-xsrf": "true"}
    auth: tuple[str, str] | None = None
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    elif user:
        password = os.environ.get("VIGIL_KIBANA_PASSWORD")
        if password is None:
            password = typer.prompt(f"Kibana password for {user}", hide_input=True)
        auth = (user, password)
    base = url.rstrip("/") + (f"/s/{space}" if space else "")
    endpoint = f"{base}/api/saved_objects/_import"
    try:
        response = httpx.post(
            endpoint,
            params={"overwrite": "true"},
            headers=headers,
            auth=auth,
            files={"file": ("vigil.ndjson", ndjson.encode("utf-8"), "application/ndjson")},
            timeout=60,
            verify=verify,
        )
    except httpx.HTTPError as exc:
        raise VigilError(f"cannot reach Kibana at {url}: {exc}; check --url") from None
    if response.status_code in (401, 403):
        raise VigilError(
            f"Kibana refused the credentials ({response.status_code}); check --api-key or --user"
        )
    if response.status_code != 200:
        raise VigilError(f"Kibana answered {response.status_code}: {response.text[:300]}")
    try:
        result = response.json()
    except json.JSONDecodeError:
        raise VigilError(f"Kibana answered something that is not JSON: {response.text[:200]}") from None
    if not result.get("success"):
        errors = "; ".join(
            f"{e.get('type')}/{e.get('id')}: {e.get('error', {}).get('type')}"
            for e in result.get("errors", [])
        )
        raise VigilError(
            f"Kibana imported {result.get('successCount', 0)} objects but rejected some: {errors}"
        )
    console.print(f"[green]imported[/green] {result.get('successCount', 0)} saved objects into {base}")
