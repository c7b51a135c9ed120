"""The scrape configuration rendered from the settings, the shipped files, and `iprx monitoring`'s errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from iprx.cli.main import main
from iprx.kernel.config import ConfigError, load_settings
from iprx.pipeline import prometheus
from iprx.pipeline.prometheus_config import DEFAULT_METRICS_PORTS, duration, scrape_jobs, shipped_files

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"


def test_shipped_configurations_are_up_to_date():
    for name, text in shipped_files().items():
        assert (MONITORING / name).read_text() == text, (
            f"deploy/monitoring/{name} is out of date: run .venv/bin/python -m iprx.pipeline.prometheus_config"
        )


def test_targets_follow_the_configured_ports_and_groups():
    settings = load_settings(
        env={"IPRX_SINK_METRICS_PORT": "19555", "IPRX_SINK_GROUP_ID": "sink-b", "IPRX_WORKER_GROUP_ID": "worker-b"}
    )
    jobs = {job.job: job for job in scrape_jobs(settings)}
    assert jobs["iprx-sink"].target == "127.0.0.1:19555"
    assert jobs["iprx-sink"].group == "sink-b"
    # metrics_port 0 serves nothing: the documented default port is scraped instead
    assert jobs["iprx-worker"].target == f"127.0.0.1:{DEFAULT_METRICS_PORTS['worker']}"
    assert jobs["iprx-worker"].group == "worker-b"
    assert jobs["iprx-publisher"].group is None


def test_durations():
    assert duration(15) == "15s"
    assert duration(0.5) == "500ms"


@pytest.mark.parametrize(
    ("key", "value"), [("PORT", "0"), ("PORT", "70000"), ("SCRAPE_INTERVAL_S", "0"), ("RETENTION", "two weeks")]
)
def test_bad_monitoring_settings_are_refused(key, value):
    with pytest.raises(ConfigError, match="monitoring"):
        load_settings(env={f"IPRX_MONITORING_{key}": value})


def test_up_without_prometheus_is_one_line_and_exit_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("IPRX_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(prometheus, "binary", lambda: None)
    assert main(["monitoring", "up"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: prometheus is not installed")


def test_status_and_down_when_not_running(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("IPRX_DATA_DIR", str(tmp_path))
    assert main(["monitoring", "status"]) == 3
    assert main(["monitoring", "down"]) == 0
    assert "not running" in capsys.readouterr().out


def test_a_prometheus_that_exits_at_start_is_one_line_with_its_error(monkeypatch, tmp_path, capsys):
    fake = tmp_path / "bin" / "prometheus"  # stands in for a prometheus that rejects its start
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\necho 'ts=1 level=info msg=\"Starting Prometheus\"'\necho 'level=error err=\"bad\"'\nexit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("IPRX_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IPRX_MONITORING_PORT", "1")  # nothing listens there
    monkeypatch.setattr(prometheus, "binary", lambda: str(fake))
    assert main(["monitoring", "up"]) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: prometheus exited with code 1: level=error err="bad"')
    assert err.count("\n") == 1
    assert not (tmp_path / "prometheus" / "prometheus.pid").exists()
