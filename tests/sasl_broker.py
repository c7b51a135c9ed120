"""A throwaway single-node Kafka broker with a SASL_PLAINTEXT listener and SCRAM users, for auth tests.

Built from the same cached Kafka jars as deploy/kafka/kafka.sh (run `kafka.sh fetch` first); the SCRAM
credentials are written at format time (``kafka-storage format --add-scram``), so no admin step is needed.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

from iprx.pipeline.local_kafka import SCRIPT

USER, PASSWORD = "iprx", "right-secret"
_ADMIN = ("admin", "admin-secret")  # the broker's own inter-broker login
ADMIN = _ADMIN  # with an authorizer, the super user: topics and ACLs are set up as it
MECHANISM = "SCRAM-SHA-256"


def kafka_libs() -> Path:
    found = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", (SCRIPT.parent / "pom.xml").read_text())
    assert found, "no <kafka.version> in deploy/kafka/pom.xml"
    version = found.group(1)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return Path(os.environ.get("IPRX_KAFKA_CACHE", cache / "iprx" / f"kafka-{version}")) / "libs"


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class SaslBroker:
    """Started by :meth:`start`, stopped by PID in :meth:`stop`."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        controller_port: int,
        users: dict[str, str] | None = None,
        authorizer: bool = False,
    ) -> None:
        """``users`` (name -> password) besides ``USER``; with ``authorizer``, only ACLs (and the super
        user ``admin``, the broker's own login) allow anything."""
        self.data_dir, self.port, self.controller_port = data_dir, port, controller_port
        self.users = {USER: PASSWORD} | (users or {})
        self.authorizer = authorizer
        self.proc: subprocess.Popen[bytes] | None = None

    def _java(self, *args: str, heap: str = "-Xmx256m") -> list[str]:
        return ["java", heap, "-Dlog4j2.configurationFile=" + str(SCRIPT.parent / "tools-log4j2.yaml"),
                "-cp", f"{kafka_libs()}/*", *args]  # fmt: skip

    def start(self, timeout_s: float = 240.0) -> None:
        conf = self.data_dir / "server.properties"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        login = "org.apache.kafka.common.security.scram.ScramLoginModule required"
        jaas = f'{login} username="{_ADMIN[0]}" password="{_ADMIN[1]}";'
        conf.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    "controller.listener.names=CONTROLLER",
                    f"listeners=SASL_PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=SASL_PLAINTEXT://127.0.0.1:{self.port}",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
                    "inter.broker.listener.name=SASL_PLAINTEXT",
                    f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
                    f"sasl.enabled.mechanisms={MECHANISM}",
                    f"listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config={jaas}",
                    f"log.dirs={self.data_dir / 'logs'}",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    *(
                        [
                            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                            # The broker reaches its own controller on the loopback PLAINTEXT listener.
                            f"super.users=User:{_ADMIN[0]};User:ANONYMOUS",
                            "allow.everyone.if.no.acl.found=false",
                        ]
                        if self.authorizer
                        else []
                    ),
                    "",
                ]
            )
        )
        scram = [
            arg
            for name, secret in [_ADMIN, *self.users.items()]
            for arg in ("--add-scram", f"{MECHANISM}=[name={name},password={secret}]")
        ]
        subprocess.run(
            self._java("kafka.tools.StorageTool", "format", "--cluster-id", "SaslTestCluster0000000",
                       "--config", str(conf), *scram),
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        log = open(self.data_dir / "broker.out", "wb")  # noqa: SIM115 - the broker writes to it until stop()
        self.proc = subprocess.Popen(
            self._java(f"-Dkafka.logs.dir={self.data_dir}", "kafka.Kafka", str(conf), heap="-Xmx512m"),
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while not _port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"SASL test broker did not start; see {self.data_dir / 'broker.out'}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
