"""The one place that defines configuration.

Sources, later wins: built-in defaults (they run the local demo), an optional TOML file
(``--config``, ``IPRX_CONFIG`` or ``./iprx.toml``), environment variables
``IPRX_<SECTION>_<KEY>`` (plus the conventional ``KAFKA_BOOTSTRAP_SERVERS``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from iprx.kernel.urls import mask_url


class ConfigError(ValueError):
    """A configuration value is missing, unknown or malformed; the message names its source."""


class Secret(str):
    """A string that never shows its value in repr, logs or ``config show``."""

    def __repr__(self) -> str:
        return "Secret('****')"


def mask_dsn(dsn: str) -> str:
    """Return ``dsn`` with any password replaced by ``****``, whatever characters it holds."""
    return mask_url(dsn)


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: str = "PLAINTEXT"  # PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
    sasl_mechanism: str | None = None  # PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
    sasl_username: str | None = None
    sasl_password: Secret | None = None
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_password: Secret | None = None
    topic_prefix: str = "iprx."
    partitions: int = 3
    replication_factor: int = 1
    # Ports of the broker that `iprx kafka up` runs on this machine.
    local_port: int = 9092
    local_controller_port: int = 9093


@dataclass(frozen=True)
class ClickHouseSettings:
    # Empty means chdb:///<data_dir>/clickhouse (embedded, on disk). May embed a password: not in repr.
    dsn: str = field(default="", repr=False)
    database: str = "iprx"
    # Password for a server DSN, kept out of the DSN so it is never printed or logged.
    password: Secret | None = None
    # An https:// DSN is TLS on any port: verify the server's certificate (against ca_cert if set).
    verify: bool = True
    ca_cert: str = ""
    # A password goes over plain http only to this machine, unless this is set.
    allow_plaintext_password: bool = False
    # Cluster name: DDL is rendered ON CLUSTER with Replicated engines and Distributed tables.
    cluster: str = ""


@dataclass(frozen=True)
class WorkerSettings:
    group_id: str = "iprx-worker"
    # Empty means the rule set shipped with stream_processors.
    ruleset_file: str = ""
    metrics_port: int = 0  # 0 = no /metrics endpoint
    # The exchange's own Ed25519 key: signals and partner notices are signed with it (needed when
    # members.require_signatures is on, since the sink then checks them too).
    signing_key_file: str = ""
    signing_key_id: str = ""
    # Seconds between wall-clock sweeps of the rules' state (deadlines of a quiet live stream fire).
    deadline_sweep_s: float = 30.0
    # A re-key partition is live, and only then swept by the wall clock, while its newest event time
    # is within this many seconds of now; a backfill never is (0: the wall clock never fires).
    live_within_s: float = 3600.0
    # Each agent takes up to batch_max events at a time (waiting at most batch_wait_ms for them) and
    # waits for the batch's signals to be delivered once, not once per event.
    batch_max: int = 500
    batch_wait_ms: int = 20
    # The worker's producer (signals, notices, re-keyed events, table changelogs).
    producer_linger_ms: int = 5
    producer_batch_bytes: int = 262_144
    producer_compression: str = "lz4"  # empty: none
    # Where rule tables live: rocksdb:// (on disk under data_dir, so a restart reads only the changelog
    # written since it stopped) or memory:// (rebuilt from the whole changelogs at every start).
    store: str = "rocksdb://"


@dataclass(frozen=True)
class SinkSettings:
    group_id: str = "iprx-sink"
    # The Kafka principal the sink authenticates as: `iprx acl apply` lets it read every topic.
    principal: str = "User:iprx-sink"
    batch_size: int = 5000
    batch_timeout_ms: int = 500
    retry_backoff_max_s: float = 30.0
    # How soon the group notices a crashed sink and hands its partitions to another (or to its restart).
    session_timeout_ms: int = 10_000
    metrics_port: int = 0
    # Seconds of polling without stable group membership before the sink leaves the group and joins
    # it again as a new member (longer than session_timeout_ms, the wait for a dead member's expiry).
    rejoin_after_s: float = 30.0
    # Seconds without a returned poll, or without stable group membership, before the sink counts as
    # stalled: it logs its state, sets iprx_sink_stalled and exits 3 for its supervisor to restart it.
    stall_timeout_s: float = 120.0


@dataclass(frozen=True)
class PublisherSettings:
    # Member id stamped on events this installation publishes (X-Road style).
    publisher_id: str = "CN/GOV/GACC/seizures"
    # Sign every event with this member key (`iprx members keygen` makes one); empty: unsigned.
    signing_key_file: str = ""
    signing_key_id: str = ""
    compression: str = "lz4"
    linger_ms: int = 20
    # Bytes per partition and produce request: kafka-python's 16 KiB default halves the throughput.
    batch_bytes: int = 262_144
    delivery_timeout_ms: int = 120_000
    metrics_port: int = 0  # `iprx produce` serves /metrics on 127.0.0.1 here while it runs; 0 = not


@dataclass(frozen=True)
class SchemaSettings:
    # single-object: Avro's own framing, no server needed. confluent: 00 + schema id from a registry.
    wire_format: str = "single-object"
    # Any Confluent-compatible schema registry, e.g. https://registry.example:8081. Required for confluent.
    registry_url: str = field(default="", repr=False)
    registry_username: str | None = None
    registry_password: Secret | None = None
    registry_cafile: str | None = None
    registry_timeout_s: float = 10.0


@dataclass(frozen=True)
class MembersSettings:
    # The member registry (kernel/members.py); empty: the one shipped in kernel/registry/members.toml.
    file: str = ""
    # Worker and sink dead-letter an event whose header.publisher is not a member allowed its family.
    enforce: bool = True
    # ...and one without a valid signature of that member (kernel/signatures.py); needs enforce.
    require_signatures: bool = False


@dataclass(frozen=True)
class ChecksSettings:
    # How far ahead of the checker's clock an event time may lie (publishers' clocks drift). The
    # publisher, the worker and the sink all check event times against it.
    clock_skew_s: float = 300.0

    @property
    def clock_skew(self) -> timedelta:
        return timedelta(seconds=self.clock_skew_s)


@dataclass(frozen=True)
class MonitoringSettings:
    # `iprx monitoring up`: the local Prometheus serves its UI and API on 127.0.0.1 here.
    port: int = 9090
    # How often it scrapes every process and evaluates the rules of deploy/monitoring/rules.
    scrape_interval_s: float = 15.0
    retention: str = "15d"
    # Address the worker, the sink and `iprx produce` serve /metrics on: this machine only, unless they
    # run in containers that Prometheus reaches over a private network (deploy/compose.yaml: 0.0.0.0).
    metrics_host: str = "127.0.0.1"


@dataclass(frozen=True)
class Settings:
    data_dir: str = ".iprx"
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    clickhouse: ClickHouseSettings = field(default_factory=ClickHouseSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    sink: SinkSettings = field(default_factory=SinkSettings)
    publisher: PublisherSettings = field(default_factory=PublisherSettings)
    schemas: SchemaSettings = field(default_factory=SchemaSettings)
    checks: ChecksSettings = field(default_factory=ChecksSettings)
    members: MembersSettings = field(default_factory=MembersSettings)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    source: str = "defaults"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def clickhouse_dsn(self) -> str:
        return self.clickhouse.dsn or f"chdb://{self.data_path / 'clickhouse'}"

    def topic(self, name: str) -> str:
        """Full Kafka topic name for a logical topic name from ``iprx.kernel.topics``."""
        return f"{self.kafka.topic_prefix}{name}"


_SECTION_TYPES = {
    "kafka": KafkaSettings,
    "clickhouse": ClickHouseSettings,
    "worker": WorkerSettings,
    "sink": SinkSettings,
    "publisher": PublisherSettings,
    "schemas": SchemaSettings,
    "checks": ChecksSettings,
    "members": MembersSettings,
    "monitoring": MonitoringSettings,
}
_ENV_ALIASES = {"KAFKA_BOOTSTRAP_SERVERS": ("kafka", "bootstrap_servers")}


def _coerce(raw: object, annotation: object, where: str) -> object:
    args = typing.get_args(annotation)
    optional = type(None) in args
    base = next((a for a in args if a is not type(None)), annotation) if args else annotation
    if raw is None or (optional and raw == ""):
        if optional:
            return None
        raise ConfigError(f"{where}: a value is required")
    try:
        if base is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(f"expected true/false, got {raw!r}")
        if base is int:
            if isinstance(raw, bool):
                raise ValueError("expected an integer")
            return int(raw)
        if base is float:
            return float(raw)
        if base is Secret:
            return Secret(str(raw))
        return str(raw)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _hints(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls, globalns={"Secret": Secret})


def _section(name: str, cls: type, values: dict[str, object], origin: dict[str, str]) -> object:
    hints = _hints(cls)
    unknown = sorted(set(values) - set(hints))
    if unknown:
        where = origin.get(f"{name}.{unknown[0]}", "configuration")
        raise ConfigError(f"{where}: unknown key(s) in [{name}]: {', '.join(unknown)}; valid keys: {', '.join(hints)}")
    return cls(
        **{k: _coerce(v, hints[k], f"{origin.get(f'{name}.{k}', name)} ({name}.{k})") for k, v in values.items()}
    )


def _find_file(explicit: str | os.PathLike[str] | None, env: typing.Mapping[str, str]) -> Path | None:
    if explicit:
        path = Path(explicit)
    elif env.get("IPRX_CONFIG"):
        path = Path(env["IPRX_CONFIG"])
    else:
        path = Path("iprx.toml")
        return path if path.is_file() else None
    if not path.is_file():
        raise ConfigError(f"configuration file {path} does not exist")
    return path


def load_settings(
    config_file: str | os.PathLike[str] | None = None, env: typing.Mapping[str, str] | None = None
) -> Settings:
    """Build the effective settings from defaults, the TOML file and the environment."""
    env = os.environ if env is None else env
    layered: dict[str, dict[str, object]] = {name: {} for name in _SECTION_TYPES}
    top: dict[str, object] = {}
    path = _find_file(config_file, env)
    origin: dict[str, str] = {}
    if path is not None:
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        for key, value in doc.items():
            if key in _SECTION_TYPES and isinstance(value, dict):
                layered[key].update(value)
                origin.update({f"{key}.{k}": str(path) for k in value})
            elif key == "data_dir":
                top[key] = value
            else:
                raise ConfigError(
                    f"{path}: unknown entry {key!r}; expected data_dir or a section [{'], ['.join(_SECTION_TYPES)}]"
                )
    for alias, (section, key) in _ENV_ALIASES.items():
        if env.get(alias):
            layered[section][key] = env[alias]
            origin[f"{section}.{key}"] = f"${alias}"
    for section, cls in _SECTION_TYPES.items():
        for key in _hints(cls):
            name = f"IPRX_{section}_{key}".upper()
            if name in env:
                layered[section][key] = env[name]
                origin[f"{section}.{key}"] = f"${name}"
    if "IPRX_DATA_DIR" in env:
        top["data_dir"] = env["IPRX_DATA_DIR"]
    data_dir = Path(str(top.get("data_dir", Settings.data_dir))).expanduser()
    if not data_dir.is_absolute():
        base = path.parent if path is not None and "data_dir" in top and "IPRX_DATA_DIR" not in env else Path.cwd()
        data_dir = (base / data_dir).resolve()
    sections = {name: _section(name, cls, layered[name], origin) for name, cls in _SECTION_TYPES.items()}
    settings = Settings(data_dir=str(data_dir), source=str(path) if path else "defaults", **sections)
    validate(settings)
    return settings


_PROTOCOLS = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}
_MECHANISMS = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}
_WIRE_FORMATS = {"single-object", "confluent"}


def validate(settings: Settings) -> None:
    """Reject combinations that would only fail later, deep inside a client library."""
    k = settings.kafka
    if k.security_protocol not in _PROTOCOLS:
        raise ConfigError(f"kafka.security_protocol must be one of {sorted(_PROTOCOLS)}, got {k.security_protocol!r}")
    if k.security_protocol.startswith("SASL"):
        if k.sasl_mechanism not in _MECHANISMS:
            raise ConfigError(f"kafka.sasl_mechanism must be one of {sorted(_MECHANISMS)} for {k.security_protocol}")
        if not k.sasl_username or not k.sasl_password:
            raise ConfigError("kafka.sasl_username and kafka.sasl_password are required for SASL")
    if k.partitions < 1 or k.replication_factor < 1:
        raise ConfigError("kafka.partitions and kafka.replication_factor must be >= 1")
    if not settings.clickhouse.database.isidentifier():
        raise ConfigError(f"clickhouse.database must be a plain identifier, got {settings.clickhouse.database!r}")
    if settings.clickhouse.cluster and not re.fullmatch(r"[A-Za-z0-9_.-]+", settings.clickhouse.cluster):
        raise ConfigError(f"clickhouse.cluster must be a plain cluster name, got {settings.clickhouse.cluster!r}")
    if settings.clickhouse.cluster and settings.clickhouse_dsn.startswith("chdb://"):
        raise ConfigError("clickhouse.cluster needs a ClickHouse server DSN, not the embedded chdb:// store")
    if settings.publisher.batch_bytes < 1 or settings.publisher.linger_ms < 0:
        raise ConfigError("publisher.batch_bytes must be >= 1 and publisher.linger_ms >= 0")
    if settings.sink.batch_size < 1 or settings.sink.batch_timeout_ms < 1:
        raise ConfigError("sink.batch_size and sink.batch_timeout_ms must be >= 1")
    if settings.members.require_signatures and not settings.members.enforce:
        raise ConfigError("members.require_signatures needs members.enforce")
    for section in (settings.publisher, settings.worker):
        if bool(section.signing_key_file) != bool(section.signing_key_id):
            raise ConfigError("signing_key_file and signing_key_id go together (publisher and worker sections)")
    if settings.members.require_signatures and not settings.worker.signing_key_file:
        raise ConfigError(
            "members.require_signatures needs worker.signing_key_file: the sink checks the signals and "
            "partner notices the worker signs"
        )
    if settings.sink.stall_timeout_s <= 0 or settings.sink.rejoin_after_s <= 0:
        raise ConfigError("sink.stall_timeout_s and sink.rejoin_after_s must be > 0")
    if settings.worker.deadline_sweep_s <= 0 or settings.worker.live_within_s < 0:
        raise ConfigError("worker.deadline_sweep_s must be > 0 and worker.live_within_s >= 0")
    if settings.worker.store not in ("memory://", "rocksdb://"):
        raise ConfigError(f"worker.store must be memory:// or rocksdb://, got {settings.worker.store!r}")
    if settings.worker.batch_max < 1 or settings.worker.batch_wait_ms < 1:
        raise ConfigError("worker.batch_max and worker.batch_wait_ms must be >= 1")
    m = settings.monitoring
    if not 0 < m.port < 65536 or m.scrape_interval_s <= 0:
        raise ConfigError("monitoring.port must be a port number and monitoring.scrape_interval_s > 0")
    if not re.fullmatch(r"\d+[smhdwy]", m.retention):
        raise ConfigError(f"monitoring.retention must be a duration such as 15d or 12h, got {m.retention!r}")
    s = settings.schemas
    if s.wire_format not in _WIRE_FORMATS:
        raise ConfigError(f"schemas.wire_format must be one of {sorted(_WIRE_FORMATS)}, got {s.wire_format!r}")
    if s.wire_format == "confluent" and not s.registry_url:
        raise ConfigError("schemas.registry_url is required for wire_format = 'confluent'")
    if s.registry_url and urlsplit(s.registry_url).scheme not in ("http", "https"):
        raise ConfigError(f"schemas.registry_url must be an http(s) URL, got {mask_dsn(s.registry_url)!r}")
    if s.registry_password and not s.registry_username:
        raise ConfigError("schemas.registry_password needs schemas.registry_username")
    if s.registry_timeout_s <= 0:
        raise ConfigError("schemas.registry_timeout_s must be > 0")


def describe(settings: Settings) -> dict[str, object]:
    """The effective settings as a nested dict with every secret masked."""
    out: dict[str, object] = {"source": settings.source, "data_dir": settings.data_dir}
    for name in _SECTION_TYPES:
        section = getattr(settings, name)
        values: dict[str, object] = {}
        for f in dataclasses.fields(section):
            value = getattr(section, f.name)
            if isinstance(value, Secret):
                value = "****"
            values[f.name] = value
        out[name] = values
    ch = typing.cast(dict, out["clickhouse"])
    ch["dsn"] = mask_dsn(settings.clickhouse_dsn)
    typing.cast(dict, out["schemas"])["registry_url"] = mask_dsn(settings.schemas.registry_url)
    return out
