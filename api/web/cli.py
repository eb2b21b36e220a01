"""`vigil users …`: the people who sign in to the web app (registered by vigil.cli)."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from api.auth import Role
from api.web.users import User, create_user, list_users, reset_password, set_disabled
from core.console import console, settings_from
from store.factory import open_store
from store.protocol import Store

users_app = typer.Typer(help="Web app users (people; machines use API keys).", no_args_is_help=True)


@contextmanager
def _store(ctx: typer.Context) -> Iterator[Store]:
    with open_store(settings_from(ctx)) as store:
        yield store


def _password(given: str | None, ask: Callable[[str], str] = getpass.getpass) -> str:
    """--password, else $VIGIL_PASSWORD (typer reads it), else asked twice on the terminal."""
    if given:
        return given
    first = ask("Mật khẩu / password: ")
    if ask("Nhập lại / again: ") != first:
        raise typer.BadParameter("the two passwords differ", param_hint="--password")
    return first


@users_app.command("create")
def users_create(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="sign-in name: a-z, 0-9, . _ -"),
    role: Role = typer.Option(..., "--role", help="press, security or admin"),
    name: str = typer.Option("", "--name", help="the person's name, shown in the app and audit trails"),
    password: str | None = typer.Option(
        None, "--password", envvar="VIGIL_PASSWORD", help="at least 10 characters (else asked)"
    ),
) -> None:
    """Create a user; the password is stored only as an argon2 hash."""
    secret = _password(password)
    with _store(ctx) as store:
        user = create_user(store, username, secret, role, name)
    console.print(f"[green]created[/green] user {user.username} ({user.role})")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """List users: username, role, state, last sign-in, name."""
    with _store(ctx) as store:
        users = list_users(store)
    for user in users:
        typer.echo(_line(user))


def _line(user: User) -> str:
    state = "disabled" if user.disabled else ("locked" if user.locked_until else "active")
    last = f"{user.last_login:%Y-%m-%d %H:%M}" if user.last_login else "never"
    return f"{user.username:<20} {user.role:<8} {state:<8} {last:<16} {user.display_name}"


@users_app.command("disable")
def users_disable(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    enable: bool = typer.Option(False, "--enable", help="re-enable instead"),
) -> None:
    """Disable a user (their sessions stop at their next click), or re-enable with --enable."""
    with _store(ctx) as store:
        user = set_disabled(store, username, not enable)
    console.print(f"user {user.username} {'disabled' if user.disabled else 'enabled'}")


@users_app.command("reset-password")
def users_reset_password(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    password: str | None = typer.Option(None, "--password", envvar="VIGIL_PASSWORD"),
) -> None:
    """Set a new password (also lifts a lock-out after failed sign-ins)."""
    secret = _password(password)
    with _store(ctx) as store:
        user = reset_password(store, username, secret)
    console.print(f"password of {user.username} changed")
