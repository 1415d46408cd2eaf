"""`baton serve` and `baton demo` take their port before anything else, and a second demo
never touches the files of one that is running: one line and a documented exit code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import requests
from typer.testing import CliRunner

from baton.cli import app
from sandbox.pgcluster import free_port
from tests.processes import baton, running, taken_port

runner = CliRunner()


def make_config(tmp_path: Path) -> Path:
    (tmp_path / "rules.yaml").write_text("rules: []\n")
    path = tmp_path / "baton.yaml"
    path.write_text("sources:\n  - {name: asana-main, type: asana, token: \"${ASANA_TOKEN}\", "
                    "workspace: '1'}\n")
    return path


def test_serve_on_a_taken_port_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    with taken_port() as port:
        result = runner.invoke(app, ["serve", "--config", str(config), "--port", str(port)])
    assert (result.exit_code, result.output.splitlines()) == (2, [
        f"baton: port {port} on 127.0.0.1 is in use: Address already in use; pass --port"])
    assert not (tmp_path / "baton.db").exists()


def test_serve_on_an_address_of_another_machine_names_the_host(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--config", str(make_config(tmp_path)),
                                 "--host", "192.0.2.1"])
    assert result.exit_code == 2
    assert result.output.startswith("baton: cannot listen on 192.0.2.1: ")
    assert result.output.rstrip().endswith("; pass --host")


def test_serve_answers_on_the_socket_it_checked(tmp_path: Path) -> None:
    port = free_port()
    process = baton("serve", "--config", str(make_config(tmp_path)), "--port", str(port))
    with running(process):
        assert process.stderr is not None
        assert process.stderr.readline().startswith(f"feed on http://127.0.0.1:{port}/")
        answer = requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
        assert answer.status_code == 200
        second = runner.invoke(app, ["serve", "--config", str(make_config(tmp_path)),
                                     "--port", str(port)])
        assert second.exit_code == 2 and "is in use" in second.output


def alerts_seen_with(url: str, folder: Path) -> list[str]:
    """The demo's alert titles through its API, with an API token issued for the demo's
    admin from its own config (the printed sign-in link is not an API token)."""
    base = re.fullmatch(r"(http://[^/]+)/login\?token=\S+", url.strip()).group(1)  # type: ignore[union-attr]
    issued = subprocess.run(
        [sys.executable, "-m", "baton", "users", "token", "demo", "--api", "--config",
         str(folder / "baton.yaml")], capture_output=True, text=True, timeout=60, check=True)
    answer = requests.get(f"{base}/api/v1/alerts", timeout=10, headers={
        "Authorization": f"Bearer {issued.stdout.strip()}"})
    assert answer.status_code == 200, answer.text
    return sorted(a["title"] for a in answer.json()["alerts"])


def signs_in(url: str) -> bool:
    """Whether the printed link still signs a browser in (it works once)."""
    browser = requests.Session()
    form = browser.get(url.strip(), timeout=10)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None, form.text
    answer = browser.post(form.url, data={"csrf": csrf.group(1)}, timeout=10,
                          allow_redirects=False)
    return answer.status_code == 303


def test_a_second_demo_leaves_the_running_one_alone(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    first = baton("demo", "--dir", str(folder), "--port", str(free_port()))
    with running(first) as lines:
        url = lines.until("/login?token=")
        before = alerts_seen_with(url, folder)
        database = (folder / "baton.db").stat()
        second = baton("demo", "--dir", str(folder), "--port", str(free_port()))
        try:
            _, stderr = second.communicate(timeout=60)
        finally:
            second.kill()
        assert second.returncode == 75
        [line] = stderr.splitlines()
        assert re.fullmatch(rf"baton: a demo is already running from {folder} \(pid "
                            rf"{first.pid} on .+\); use it, stop it with Ctrl-C, or pass "
                            r"another --dir and --port", line), line
        assert (folder / "baton.db").stat().st_ino == database.st_ino
        assert alerts_seen_with(url, folder) == before and len(before) >= 13
        assert signs_in(url) and not signs_in(url)
        assert {p.name: p.stat().st_mode & 0o777 for p in
                [folder / "baton.yaml", folder / "baton.db", folder / "tls" / "server.key"]
                } == {"baton.yaml": 0o600, "baton.db": 0o600, "server.key": 0o600}


def test_a_demo_on_a_taken_port_changes_no_file(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "baton.db").write_text("an earlier demo's data")
    with taken_port() as port:
        done = baton("demo", "--dir", str(folder), "--port", str(port))
        try:
            _, stderr = done.communicate(timeout=60)
        finally:
            done.kill()
    assert (done.returncode, stderr.splitlines()) == (2, [
        f"baton: port {port} on 127.0.0.1 is in use: Address already in use; pass --port"])
    assert (folder / "baton.db").read_text() == "an earlier demo's data"


def test_sandbox_serve_on_a_taken_port_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with taken_port() as port:
        result = runner.invoke(app, ["sandbox", "serve", "--port", str(port),
                                     "--dir", str(tmp_path)])
    assert (result.exit_code, result.output.splitlines()) == (2, [
        f"baton: sandbox: cannot listen on ports {port}-{port + 3} (Address already in use); "
        "pass --port 0 or another --port"])
    assert not (tmp_path / "baton.yaml").exists()
