from pathlib import Path

import pytest
from iprx.kernel.config import ConfigError, describe, load_settings, mask_dsn


def test_defaults_run_the_local_demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(env={})
    assert s.kafka.bootstrap_servers == "127.0.0.1:9092"
    assert s.data_dir == str(tmp_path / ".iprx")
    assert s.clickhouse_dsn == f"chdb://{tmp_path / '.iprx' / 'clickhouse'}"
    assert s.topic("seizure") == "iprx.seizure"
    assert s.source == "defaults"


def test_file_then_environment_override_defaults(tmp_path):
    cfg = tmp_path / "iprx.toml"
    cfg.write_text(
        'data_dir = "state"\n[kafka]\nbootstrap_servers = "k1:9092"\npartitions = 6\n[sink]\nbatch_size = 10\n'
    )
    s = load_settings(cfg, env={"IPRX_KAFKA_PARTITIONS": "12"})
    assert s.kafka.bootstrap_servers == "k1:9092"
    assert s.kafka.partitions == 12  # environment beats the file
    assert s.sink.batch_size == 10
    assert s.data_dir == str(tmp_path / "state")  # relative to the file, not the working directory
    assert s.source == str(cfg)


def test_conventional_kafka_variable_is_honoured():
    s = load_settings(env={"KAFKA_BOOTSTRAP_SERVERS": "a:1,b:2"})
    assert s.kafka.bootstrap_servers == "a:1,b:2"


def test_config_file_from_environment_variable(tmp_path):
    cfg = tmp_path / "other.toml"
    cfg.write_text("[clickhouse]\ndatabase = 'analytics'\n")
    assert load_settings(env={"IPRX_CONFIG": str(cfg)}).clickhouse.database == "analytics"


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[kafka]\nbootstrap = 'x'\n", {}, "unknown key(s) in [kafka]: bootstrap"),
        ("[kafak]\n", {}, "unknown entry 'kafak'"),
        ("[kafka\n", {}, "invalid TOML"),
        ("", {"IPRX_SINK_BATCH_SIZE": "many"}, "$IPRX_SINK_BATCH_SIZE (sink.batch_size)"),
        ("", {"IPRX_KAFKA_SECURITY_PROTOCOL": "TLS"}, "kafka.security_protocol must be one of"),
        (
            "",
            {"IPRX_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "IPRX_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512"},
            "sasl_username and kafka.sasl_password are required",
        ),
        ("", {"IPRX_CLICKHOUSE_DATABASE": "x; DROP TABLE y"}, "plain identifier"),
        ("[worker]\ndeadline_sweep_s = 0\n", {}, "worker.deadline_sweep_s must be > 0"),
    ],
)
def test_bad_configuration_names_its_source(tmp_path, text, env, message):
    cfg = tmp_path / "iprx.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env=env)
    assert message in str(err.value)


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})


def test_secrets_are_masked_everywhere():
    s = load_settings(
        env={
            "IPRX_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "IPRX_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "IPRX_KAFKA_SASL_USERNAME": "gacc",
            "IPRX_KAFKA_SASL_PASSWORD": "hunter2",
            "IPRX_CLICKHOUSE_DSN": "https://analyst:s3cret@ch.example:8443/iprx",
        }
    )
    shown = repr(describe(s)) + repr(s)
    assert "hunter2" not in shown and "s3cret" not in shown
    assert describe(s)["kafka"]["sasl_password"] == "****"
    assert describe(s)["clickhouse"]["dsn"] == "https://analyst:****@ch.example:8443/iprx"
    assert s.kafka.sasl_password == "hunter2"  # the value itself is intact for the client


def test_mask_dsn_leaves_passwordless_dsn_alone():
    assert mask_dsn("chdb:///var/lib/iprx") == "chdb:///var/lib/iprx"
    assert mask_dsn("http://u@h:8123") == "http://u@h:8123"


def test_kafka_client_options_carry_tls_and_sasl(tmp_path):
    from iprx.kernel.kafka_clients import kafka_python_options

    s = load_settings(
        env={
            "KAFKA_BOOTSTRAP_SERVERS": "b1:9094, b2:9094",
            "IPRX_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "IPRX_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
            "IPRX_KAFKA_SASL_USERNAME": "u",
            "IPRX_KAFKA_SASL_PASSWORD": "p",
            "IPRX_KAFKA_SSL_CAFILE": str(Path(tmp_path) / "ca.pem"),
        }
    )
    opts = kafka_python_options(s.kafka)
    assert opts["bootstrap_servers"] == ["b1:9094", "b2:9094"]
    assert opts["security_protocol"] == "SASL_SSL"
    assert opts["sasl_mechanism"] == "SCRAM-SHA-256"
    assert opts["sasl_plain_username"] == "u" and opts["sasl_plain_password"] == "p"
    assert opts["ssl_cafile"].endswith("ca.pem")


def test_schema_wire_format_defaults_to_single_object_and_reads_the_registry_section(tmp_path):
    assert load_settings(env={}).schemas.wire_format == "single-object"
    cfg = tmp_path / "iprx.toml"
    cfg.write_text(
        '[schemas]\nwire_format = "confluent"\nregistry_url = "https://sr.example:8081"\n'
        'registry_username = "gacc"\nregistry_timeout_s = 2.5\n'
    )
    s = load_settings(cfg, env={"IPRX_SCHEMAS_REGISTRY_PASSWORD": "t0ps3cret"})
    assert s.schemas.wire_format == "confluent"
    assert s.schemas.registry_url == "https://sr.example:8081"
    assert s.schemas.registry_timeout_s == 2.5
    assert s.schemas.registry_password == "t0ps3cret"
    shown = repr(describe(s)) + repr(s)
    assert "t0ps3cret" not in shown
    assert describe(s)["schemas"]["registry_password"] == "****"


def test_registry_url_credentials_are_masked():
    s = load_settings(
        env={"IPRX_SCHEMAS_WIRE_FORMAT": "confluent", "IPRX_SCHEMAS_REGISTRY_URL": "https://u:pw@sr.example"}
    )
    assert describe(s)["schemas"]["registry_url"] == "https://u:****@sr.example"
    assert "pw@" not in repr(s)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IPRX_SCHEMAS_WIRE_FORMAT": "avro"}, "schemas.wire_format must be one of"),
        ({"IPRX_SCHEMAS_WIRE_FORMAT": "confluent"}, "schemas.registry_url is required"),
        ({"IPRX_SCHEMAS_REGISTRY_URL": "sr.example:8081"}, "must be an http(s) URL"),
        (
            {"IPRX_SCHEMAS_REGISTRY_URL": "http://sr:8081", "IPRX_SCHEMAS_REGISTRY_PASSWORD": "x"},
            "registry_password needs schemas.registry_username",
        ),
        ({"IPRX_SCHEMAS_REGISTRY_TIMEOUT_S": "0"}, "registry_timeout_s must be > 0"),
    ],
)
def test_bad_schema_settings_are_refused(env, message):
    with pytest.raises(ConfigError) as err:
        load_settings(env=env)
    assert message in str(err.value)


def test_deadline_sweep_interval_from_environment():
    assert load_settings(env={}).worker.deadline_sweep_s == 30.0
    assert load_settings(env={"IPRX_WORKER_DEADLINE_SWEEP_S": "0.5"}).worker.deadline_sweep_s == 0.5
