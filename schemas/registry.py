"""A small client for Confluent-compatible schema registries (Confluent, Karapace, Apicurio's ccompat API).

Only the calls the Confluent wire format needs: register a schema under a subject, look a schema up
by id, and set a subject's compatibility mode. Answers are cached: ids and schemas never change.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from iprx.schemas.errors import SchemaError

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
SCHEMA_NOT_FOUND = 40403  # the registry's error_code for an unknown schema id


class RegistryError(SchemaError):
    """The registry is unreachable, refused a request, or answered something unexpected.

    Not a :class:`~schemas.errors.DecodeError`: the message may be fine and the registry merely down,
    so processors retry instead of dead-lettering.
    """


class SchemaNotFound(RegistryError):
    """The registry does not know the requested schema id."""


class SchemaRegistryClient:
    """Registers and looks up Avro schemas over the Confluent Schema Registry REST API."""

    def __init__(
        self,
        url: str,
        username: str | None = None,
        password: str | None = None,
        timeout_s: float = 10.0,
        cafile: str | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.username and not username:
            username, password = urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or "")
        # Credentials travel in the header only; the base URL we keep (and show in errors) has none.
        netloc = parts.hostname or ""
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
        self.url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        self._auth = None
        if username:
            token = base64.b64encode(f"{username}:{password or ''}".encode()).decode()
            self._auth = f"Basic {token}"
        self._timeout = timeout_s
        self._ssl = ssl.create_default_context(cafile=cafile) if parts.scheme == "https" else None
        self._ids: dict[tuple[str, str], int] = {}
        self._schemas: dict[int, str] = {}
        self._lock = threading.Lock()

    def register(self, subject: str, schema: str) -> int:
        """The id of ``schema`` (Avro JSON text) under ``subject``, registering it if it is new."""
        key = (subject, schema)
        with self._lock:
            if key in self._ids:
                return self._ids[key]
        answer = self._call("POST", f"/subjects/{_quote(subject)}/versions", {"schema": schema})
        schema_id = _int_field(answer, "id", f"registering under {subject}")
        with self._lock:
            self._ids[key] = schema_id
            self._schemas.setdefault(schema_id, schema)
        return schema_id

    def schema(self, schema_id: int) -> str:
        """The Avro JSON text of schema ``schema_id``; :class:`SchemaNotFound` if the registry has none."""
        with self._lock:
            if schema_id in self._schemas:
                return self._schemas[schema_id]
        answer = self._call("GET", f"/schemas/ids/{schema_id}", None)
        text = answer.get("schema") if isinstance(answer, dict) else None
        if not isinstance(text, str):
            raise RegistryError("registry.bad_answer", f"{self.url}: schema {schema_id} came without a schema text")
        schema_type = answer.get("schemaType", "AVRO")
        if schema_type != "AVRO":
            raise RegistryError("registry.not_avro", f"schema {schema_id} is {schema_type}, not Avro")
        with self._lock:
            self._schemas[schema_id] = text
        return text

    def set_compatibility(self, subject: str, mode: str) -> None:
        """Set ``subject``'s compatibility mode (BACKWARD, FULL_TRANSITIVE, ...)."""
        self._call("PUT", f"/config/{_quote(subject)}", {"compatibility": mode})

    def subjects(self) -> list[str]:
        answer = self._call("GET", "/subjects", None)
        if not isinstance(answer, list):
            raise RegistryError("registry.bad_answer", f"{self.url}/subjects did not answer a list")
        return [str(s) for s in answer]

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", CONTENT_TYPE)
        if data is not None:
            request.add_header("Content-Type", CONTENT_TYPE)
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout, context=self._ssl) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise _refusal(method, self.url + path, exc) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RegistryError("registry.unavailable", f"{method} {self.url}{path}: {reason}") from None
        except json.JSONDecodeError as exc:
            raise RegistryError("registry.bad_answer", f"{method} {self.url}{path}: not JSON: {exc}") from None


def _refusal(method: str, url: str, exc: urllib.error.HTTPError) -> RegistryError:
    try:
        detail = json.loads(exc.read() or b"{}")
    except (json.JSONDecodeError, OSError):
        detail = {}
    code = detail.get("error_code") if isinstance(detail, dict) else None
    message = detail.get("message", exc.reason) if isinstance(detail, dict) else exc.reason
    if code == SCHEMA_NOT_FOUND or (exc.code == 404 and "/schemas/ids/" in url):
        return SchemaNotFound("registry.schema_not_found", f"{method} {url}: {message}")
    kind = {401: "registry.unauthorized", 403: "registry.forbidden", 409: "registry.incompatible"}.get(
        exc.code, "registry.refused"
    )
    return RegistryError(kind, f"{method} {url}: HTTP {exc.code} (error_code {code}): {message}")


def _int_field(answer: Any, key: str, what: str) -> int:
    value = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(value, int):
        raise RegistryError(
            "registry.bad_answer", f"{what}: the registry answered {answer!r}, without an integer {key}"
        )
    return value


def _quote(subject: str) -> str:
    return urllib.parse.quote(subject, safe="")
