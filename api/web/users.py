"""People who sign in to the web app: username + argon2 password hash, a role, enabled or not.

Users are store records (RecordKind.users, both backends), keyed by the lower-cased username. A wrong
password counts against the user: after `MAX_FAILURES` in a row the account is locked for
`LOCK_MINUTES` (a correct password then still fails), so guessing is slow even across API processes.
API keys stay for machines (api/auth.py); both carry the same roles.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, Field

from api.auth import Role
from core.errors import VigilError
from store.protocol import Store
from store.query import RecordKind

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD_CHARS = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
_hasher = PasswordHasher()  # argon2id with the library's current parameters


class UserError(VigilError):
    """A user account request that cannot be done (bad name, weak password, unknown user)."""

    http_status = 422
    exit_code = 2


class User(BaseModel):
    """A stored account (never holds the password itself)."""

    username: str
    display_name: str = ""
    role: Role
    password_hash: str
    disabled: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    last_login: datetime | None = None

    @property
    def label(self) -> str:
        """How the audit trail names the person: "Name (username)" or the username."""
        return f"{self.display_name} ({self.username})" if self.display_name else self.username


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise UserError(
            f"username {username!r}: use 2-40 characters a-z, 0-9, '.', '_' or '-', starting with a letter "
            "or digit",
            key="username",
        )
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password needs at least {MIN_PASSWORD_CHARS} characters", key="password")


def get_user(store: Store, username: str) -> User | None:
    record = store.get_record(RecordKind.users, username.strip().lower())
    return None if record is None else User.model_validate(record)


def save_user(store: Store, user: User) -> None:
    store.put_records(RecordKind.users, {user.username: user.model_dump(mode="json")})


def create_user(store: Store, username: str, password: str, role: Role, display_name: str = "") -> User:
    name = normalise_username(username)
    check_password(password)
    if get_user(store, name) is not None:
        raise UserError(f"user {name!r} exists; use `vigil users reset-password`", key="username")
    user = User(
        username=name, display_name=display_name.strip(), role=role, password_hash=_hasher.hash(password)
    )
    save_user(store, user)
    return user


def list_users(store: Store) -> list[User]:
    return sorted(
        (User.model_validate(r) for r in store.list_records(RecordKind.users, limit=10_000)),
        key=lambda u: u.username,
    )


def _existing(store: Store, username: str) -> User:
    user = get_user(store, username)
    if user is None:
        raise UserError(f"no user {username!r} (see `vigil users list`)", key="username")
    return user


def set_disabled(store: Store, username: str, disabled: bool = True) -> User:
    """Disable (or re-enable) an account; a disabled user's sessions stop working at once."""
    user = _existing(store, username)
    user = user.model_copy(update={"disabled": disabled})
    save_user(store, user)
    return user


def reset_password(store: Store, username: str, password: str) -> User:
    """A new password; also lifts a lock-out."""
    check_password(password)
    user = _existing(store, username)
    user = user.model_copy(
        update={"password_hash": _hasher.hash(password), "failed_logins": 0, "locked_until": None}
    )
    save_user(store, user)
    return user


class LoginRefused(Exception):
    """Why a sign-in failed: `reason` is "bad", "locked" or "disabled" (the page words it)."""

    def __init__(self, reason: str, until: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.until = until


def verify_login(store: Store, username: str, password: str, now: datetime | None = None) -> User:
    """The user when `password` is right and the account usable; raises LoginRefused otherwise.

    An unknown username costs one hash too, so timing does not tell which usernames exist.
    """
    now = now or datetime.now(UTC)
    user = get_user(store, username) if _USERNAME.match(username.strip().lower()) else None
    if user is None:
        _hasher.hash(password or "-")
        raise LoginRefused("bad")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginRefused("locked", user.locked_until)
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        failures = user.failed_logins + 1
        locked = now + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
        save_user(
            store,
            user.model_copy(update={"failed_logins": 0 if locked else failures, "locked_until": locked}),
        )
        if locked:
            raise LoginRefused("locked", locked) from None
        raise LoginRefused("bad") from None
    if user.disabled:
        raise LoginRefused("disabled")
    updates: dict[str, object] = {"failed_logins": 0, "locked_until": None, "last_login": now}
    if _hasher.check_needs_rehash(user.password_hash):
        updates["password_hash"] = _hasher.hash(password)
    user = user.model_copy(update=updates)
    save_user(store, user)
    return user


DEMO_USERS = (
    ("demo.baochi", Role.press, "Cán bộ báo chí (demo)"),
    ("demo.anninh", Role.security, "Chuyên viên an ninh mạng (demo)"),
)


def demo_people(store: Store) -> list[tuple[str, Role, str]]:
    """`vigil demo`'s press and security users, each with a new random password (printed once by the
    demo, as its key): created, or reset and unlocked when an earlier demo left them."""
    people = []
    for username, role, name in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        if get_user(store, username) is None:
            create_user(store, username, password, role, name)
        else:
            set_disabled(store, username, False)
            reset_password(store, username, password)
        people.append((username, role, password))
    return people
