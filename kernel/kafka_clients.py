"""Turns the one Kafka configuration into the options of each client library (kafka-python, Faust)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from iprx.kernel.config import KafkaSettings
from kafka.errors import KafkaError


class KafkaUnavailable(ConnectionError):
    """No broker answered a metadata request."""


class KafkaAuthenticationFailed(ConnectionError):
    """A broker answered but refused this client's credentials: retrying will not help."""


def _refusal(kafka: KafkaSettings) -> str | None:
    """The broker's reason for refusing this client's SASL login, or None if no broker refused it.

    kafka-python 3.0 cannot be asked: when the broker's error response arrives together with its close of
    the connection, kafka-python's transport aborts the read that hit end-of-file without handing over
    the bytes it had read, so the refusal shows up as "socket disconnected" (3 of the 8 logins of one
    measured bootstrap; CI once saw only such logins, and reported a wrong password as a missing broker).
    aiokafka's stream reader keeps those bytes, so one aiokafka login answers the question.
    """
    if not kafka.security_protocol.startswith("SASL"):
        return None
    from aiokafka.conn import create_conn  # the worker's client; only this rare path needs it here
    from aiokafka.errors import SaslAuthenticationFailed

    async def login(host: str, port: int) -> str | None:
        try:
            connection = await asyncio.wait_for(
                create_conn(
                    host,
                    port,
                    client_id="iprx-login-check",
                    request_timeout_ms=5_000,
                    security_protocol=kafka.security_protocol,
                    ssl_context=ssl_context(kafka) if kafka.security_protocol == "SASL_SSL" else None,
                    sasl_mechanism=kafka.sasl_mechanism,
                    sasl_plain_username=kafka.sasl_username,
                    sasl_plain_password=kafka.sasl_password,
                ),
                timeout=10,
            )
        except SaslAuthenticationFailed as exc:
            return str(exc)
        except Exception:  # unreachable, TLS failure, timeout: not a refusal of the credentials
            return None
        connection.close()
        return None

    for server in bootstrap_list(kafka):
        host, _, port = server.rpartition(":")
        # A thread of its own: the caller may be inside an event loop (the worker's startup).
        with ThreadPoolExecutor(1) as apart:
            reason = apart.submit(asyncio.run, login(host.strip("[]"), int(port))).result()
        if reason is not None:
            return reason
    return None


@contextlib.contextmanager
def connecting(kafka: KafkaSettings) -> Iterator[None]:
    """Around building a kafka-python client: its connect errors stay quiet, and a failed bootstrap becomes
    :class:`KafkaAuthenticationFailed` (the broker refused the credentials) or :class:`KafkaUnavailable`."""
    logger = logging.getLogger("kafka")
    saved = logger.level, logger.propagate
    # While connecting, "cannot connect" is an expected answer, not an error worth a stack of log lines.
    logger.setLevel(logging.CRITICAL)
    logger.propagate = False
    try:
        yield
    except KafkaError as exc:
        reason = _refusal(kafka)
        if reason is not None:
            raise KafkaAuthenticationFailed(
                f"the Kafka broker at {kafka.bootstrap_servers} refused the credentials of user "
                f"{kafka.sasl_username!r} ({kafka.sasl_mechanism}): {reason}; "
                "check kafka.sasl_username and kafka.sasl_password"
            ) from None
        raise KafkaUnavailable(
            f"no Kafka broker answered at {kafka.bootstrap_servers} ({exc}); "
            "start the local one with `iprx kafka up` or set KAFKA_BOOTSTRAP_SERVERS"
        ) from None
    finally:
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
