"""``BOLASHAK_DATABASE_URL`` (and the example consumer's own): which store, where."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from psycopg.conninfo import make_conninfo

from infra.settings.base import PREFIX, SettingsError


@dataclass(frozen=True)
class Database:
    kind: str  # "postgres", "sqlite" or "memory"
    url: str
    dbname: str = ""
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = dataclasses.field(default="", repr=False)
    path: str = ""

    @classmethod
    def parse(cls, url: str, setting: str = "DATABASE_URL") -> Database:
        if url in ("memory:", "memory://"):
            return cls("memory", url)
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            path = url[len("sqlite:///") :]
            if not url.startswith("sqlite:///") or not path:
                raise SettingsError(f"{PREFIX}{setting}: sqlite URL must be sqlite:///path")
            return cls("sqlite", url, path=path)
        if parts.scheme in ("postgresql", "postgres"):
            dbname = parts.path.lstrip("/")
            if not dbname or not parts.hostname:
                raise SettingsError(
                    f"{PREFIX}{setting}: needs postgresql://user@host:port/dbname, got {url!r}"
                )
            return cls(
                "postgres",
                url,
                dbname=unquote(dbname),
                host=parts.hostname,
                port=parts.port or 5432,
                user=unquote(parts.username or "postgres"),
                password=unquote(parts.password or ""),
            )
        raise SettingsError(
            f"{PREFIX}{setting}: unknown scheme {parts.scheme!r}"
            " (use postgresql://, sqlite:/// or memory:)"
        )

    def dsn(self, dbname: str | None = None) -> str:
        """A libpq connection string (for another database on the same server if named)."""
        return make_conninfo(
            dbname=dbname or self.dbname,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
        )

    def redacted(self) -> str:
        if self.kind != "postgres":
            return self.url
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"
