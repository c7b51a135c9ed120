"""What `iprx kafka up --secure` needs: a local CA, the broker's TLS certificate, SCRAM users and their settings.

Everything lives in ``<data dir>/kafka/secure/`` (readable by its owner only) and is made once:

* ``ca.pem``: a local certificate authority (EC P-256, ten years); clients trust it (``kafka.ssl_cafile``);
* ``broker.pem``: the broker's key (PKCS#8) and certificate for 127.0.0.1 and localhost, signed by the CA,
  as Kafka's PEM keystore takes it;
* ``users.toml``: a random password per SCRAM user: ``admin`` (the broker's own login and super user), the
  worker and the sink, and every member principal of the registry;
* ``server.properties`` and ``admin.properties``: what ``deploy/kafka/kafka.sh`` adds to the broker's
  configuration (a SASL_SSL listener, SCRAM-SHA-512, StandardAuthorizer with
  ``allow.everyone.if.no.acl.found=false``) and to its health check's client;
* ``scram-users``: the ``--add-scram`` arguments for formatting the storage.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MECHANISM = "SCRAM-SHA-512"
ADMIN = "admin"


@dataclass(frozen=True)
class LocalSecurity:
    directory: Path
    users: dict[str, str]  # SCRAM user -> password

    @property
    def ca(self) -> Path:
        return self.directory / "ca.pem"

    def client_env(self, user: str = ADMIN) -> dict[str, str]:
        """The settings (environment) a client needs to reach the secure local broker as ``user``."""
        return {
            "IPRX_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "IPRX_KAFKA_SASL_MECHANISM": MECHANISM,
            "IPRX_KAFKA_SASL_USERNAME": user,
            "IPRX_KAFKA_SASL_PASSWORD": self.users[user],
            "IPRX_KAFKA_SSL_CAFILE": str(self.ca),
        }


def _write(path: Path, data: bytes | str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def _certificates(directory: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ipr-exchange local CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    _write(directory / "broker.pem", key_pem + cert.public_bytes(pem) + ca.public_bytes(pem))
    _write(directory / "ca.pem", ca.public_bytes(pem))


def prepare(directory: Path, principals: list[str], port: int, controller_port: int) -> LocalSecurity:
    """Make (once) the CA, certificate and users, and write the broker's and health check's settings."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not (directory / "broker.pem").is_file():
        _certificates(directory)
    users_file = directory / "users.toml"
    users: dict[str, str] = tomllib.loads(users_file.read_text()) if users_file.is_file() else {}
    for user in [ADMIN, *(p.removeprefix("User:") for p in principals)]:
        users.setdefault(user, secrets.token_urlsafe(18))
    _write(users_file, "".join(f'"{u}" = "{p}"\n' for u, p in users.items()))
    _write(
        directory / "scram-users",
        "".join(f"{MECHANISM}=[name={u},password={p}]\n" for u, p in users.items()),
    )
    login = "org.apache.kafka.common.security.scram.ScramLoginModule required"
    admin_jaas = f'{login} username="{ADMIN}" password="{users[ADMIN]}";'
    _write(
        directory / "server.properties",
        "\n".join(
            [
                "# Added by `iprx kafka up --secure` (kernel/local_security.py): TLS, SCRAM and an authorizer.",
                f"listeners=SASL_SSL://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
                f"advertised.listeners=SASL_SSL://127.0.0.1:{port}",
                "inter.broker.listener.name=SASL_SSL",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL",
                f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
                f"sasl.enabled.mechanisms={MECHANISM}",
                f"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={admin_jaas}",
                "ssl.keystore.type=PEM",
                f"ssl.keystore.location={directory / 'broker.pem'}",
                "ssl.truststore.type=PEM",
                f"ssl.truststore.location={directory / 'ca.pem'}",
                "ssl.endpoint.identification.algorithm=https",
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                # The broker reaches its own controller on the loopback PLAINTEXT controller listener.
                f"super.users=User:{ADMIN};User:ANONYMOUS",
                "allow.everyone.if.no.acl.found=false",
                "",
            ]
        ),
    )
    _write(
        directory / "admin.properties",
        "\n".join(
            [
                "security.protocol=SASL_SSL",
                f"sasl.mechanism={MECHANISM}",
                f"sasl.jaas.config={admin_jaas}",
                "ssl.truststore.type=PEM",
                f"ssl.truststore.location={directory / 'ca.pem'}",
                "",
            ]
        ),
    )
    return LocalSecurity(directory, users)
