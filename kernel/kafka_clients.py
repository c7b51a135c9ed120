"""Turns the one Kafka configuration into the options of each client library (kafka-python, Faust)."""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Iterator
from typing import Any

from iprx.kernel.config import KafkaSettings
from kafka.errors import KafkaError, SaslAuthenticationFailedError


class KafkaUnavailable(ConnectionError):
    """No broker answered a metadata request."""


class KafkaAuthenticationFailed(ConnectionError):
    """A broker answered but refused this client's credentials: retrying will not help."""


class _AuthFailures(logging.Handler):
    """Keeps the last SASL authentication failure that kafka-python logged (its bootstrap only logs it)."""

    def __init__(self) -> None:
        # WARNING: kafka-python's network manager reports the failure at that level, and sometimes only there.
        super().__init__(logging.WARNING)
        self.failure: SaslAuthenticationFailedError | None = None

    def emit(self, record: logging.LogRecord) -> None:
        for arg in record.args if isinstance(record.args, tuple) else ():
            if isinstance(arg, SaslAuthenticationFailedError):
                self.failure = arg


@contextlib.contextmanager
def connecting(kafka: KafkaSettings) -> Iterator[None]:
    """Around building a kafka-python client: its connect errors stay quiet, and a failed bootstrap becomes
    :class:`KafkaAuthenticationFailed` (the broker refused the credentials) or :class:`KafkaUnavailable`."""
    logger = logging.getLogger("kafka")
    saved = logger.level, logger.propagate
    watcher = _AuthFailures()
    logger.addHandler(watcher)
    # While connecting, "cannot connect" is an expected answer, not an error worth a stack of log lines:
    # nothing propagates; the records reach only the watcher.
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield
    except KafkaError as exc:
        if watcher.failure is not None:
            raise KafkaAuthenticationFailed(
                f"the Kafka broker at {kafka.bootstrap_servers} refused the credentials of user "
                f"{kafka.sasl_username!r} ({kafka.sasl_mechanism}): {watcher.failure}; "
                "check kafka.sasl_username and kafka.sasl_password"
            ) from None
        raise KafkaUnavailable(
            f"no Kafka broker answered at {kafka.bootstrap_servers} ({exc}); "
            "start the local one with `iprx kafka up` or set KAFKA_BOOTSTRAP_SERVERS"
        ) from None
    finally:
        logger.removeHandler(watcher)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def bootstrap_list(kafka: KafkaSettings) -> list[str]:
    return [s.strip() for s in kafka.bootstrap_servers.split(",") if s.strip()]


def kafka_python_options(kafka: KafkaSettings) -> dict[str, Any]:
    """Connection and security options shared by kafka-python producers, consumers and admin."""
    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap_list(kafka),
        "security_protocol": kafka.security_protocol,
    }
    if kafka.security_protocol in ("SSL", "SASL_SSL"):
        options.update(
            ssl_cafile=kafka.ssl_cafile,
            ssl_certfile=kafka.ssl_certfile,
            ssl_keyfile=kafka.ssl_keyfile,
            ssl_password=kafka.ssl_password,
        )
    if kafka.security_protocol.startswith("SASL"):
        options.update(
            sasl_mechanism=kafka.sasl_mechanism,
            sasl_plain_username=kafka.sasl_username,
            sasl_plain_password=kafka.sasl_password,
        )
    return options


def ssl_context(kafka: KafkaSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=kafka.ssl_cafile)
    if kafka.ssl_certfile:
        context.load_cert_chain(kafka.ssl_certfile, kafka.ssl_keyfile, kafka.ssl_password)
    return context


def faust_broker_options(kafka: KafkaSettings) -> dict[str, Any]:
    """``broker`` and ``broker_credentials`` arguments for ``faust.App``."""
    import faust  # Faust is heavy; only the worker needs it

    options: dict[str, Any] = {"broker": [f"kafka://{s}" for s in bootstrap_list(kafka)]}
    protocol = kafka.security_protocol
    if protocol == "SSL":
        options["broker_credentials"] = faust.SSLCredentials(ssl_context(kafka))
    elif protocol.startswith("SASL"):
        options["broker_credentials"] = faust.SASLCredentials(
            username=kafka.sasl_username,
            password=kafka.sasl_password,
            mechanism=kafka.sasl_mechanism,
            ssl_context=ssl_context(kafka) if protocol == "SASL_SSL" else None,
        )
    return options
