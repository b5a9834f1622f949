"""The servers under test: start one on a free loopback port, measure it, stop it.

Every server runs as its own process so its CPU time and memory can be read
from /proc/<pid> while the load generator (this process) drives it:

- `ours`: `tui-chat serve 127.0.0.1 PORT --no-room`, with `--quiet` and
  `--flood-exempt 127.0.0.1/32` when this build of the CLI has them;
- `floor` (`benchmarks/floor.py`): uvloop answering churn and idle with canned
  bytes and relaying fanout's lines one write per member, the least any uvloop
  server pays per connection and per delivery (not in `suite`);
- `miniircd` (PyPI, Python, uses select(): at most ~1,000 connections);
- `ngircd` and `inspircd` (Debian packages), each given a generated config in a
  temp dir with its flood limits lifted for loopback (see `docs/benchmarks.md`).
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "SERVER_FD_LIMIT",
    "SERVER_KINDS",
    "STARTUP_TIMEOUT_S",
    "ProcessProbe",
    "RunningServer",
    "available_servers",
    "cpu_us_per",
    "free_port",
    "running_server",
]

# Descriptors the server process may open: 10,000 idle clients plus slack.
SERVER_FD_LIMIT = 20_000
# How long a server may take to accept its first connection.
STARTUP_TIMEOUT_S = 15.0
# InspIRCd 3 completes registrations on its once-a-second timer, so each takes
# up to a second whatever the load; with a small burst, 10,000 idle clients
# would take twenty minutes. Its listen backlog is set to 4,096 below.
INSPIRCD_REGISTRATION_BURST = 1000
# How long a server may take to exit after SIGTERM before it is killed.
STOP_TIMEOUT_S = 5.0

# Fewest clock ticks of server CPU a per-unit figure is computed from.
MIN_MEASURABLE_TICKS = 5

_VENV_BIN = Path(sys.executable).parent
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


class ProcessProbe:
    """CPU time and resident memory of one process, read from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def cpu_times(self) -> tuple[float, float]:
        """(utime, stime) of the whole process (all its threads), in seconds.

        On loopback the kernel does much of the receiving side's TCP work in
        the sender's system time, so stime is a large share of a server's cost.
        """
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        # The command name may hold spaces; the fields after its ')' do not.
        fields = stat[stat.rindex(")") + 2 :].split()
        return int(fields[11]) / _CLOCK_TICKS, int(fields[12]) / _CLOCK_TICKS

    def cpu_seconds(self) -> float:
        return sum(self.cpu_times())

    def rss_bytes(self) -> int:
        """Resident set size (VmRSS) in bytes."""
        statm = Path(f"/proc/{self.pid}/statm").read_text().split()
        return int(statm[1]) * _PAGE_SIZE


def cpu_us_per(cpu_seconds: float, count: int, digits: int = 3) -> float | None:
    """Server CPU microseconds per unit of work, or None when too little to tell.

    /proc counts CPU in clock ticks (10 ms at the usual 100 Hz); below
    `MIN_MEASURABLE_TICKS` of them the quotient would be mostly rounding.
    """
    if count <= 0 or cpu_seconds * _CLOCK_TICKS < MIN_MEASURABLE_TICKS:
        return None
    return round(cpu_seconds * 1e6 / count, digits)


@dataclass(frozen=True)
class RunningServer:
    kind: str
    version: str
    host: str
    port: int
    probe: ProcessProbe
    # Registrations the load generator keeps in flight; None: its default.
    registration_burst: int | None = None


def free_port() -> int:
    """A loopback port nobody listens on right now (the server binds it next)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _raise_child_fd_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (SERVER_FD_LIMIT, SERVER_FD_LIMIT))


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode} at start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not listen on port {port} within {STARTUP_TIMEOUT_S} s")


def _first_line(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


# Command builders: (port, temp dir) -> argv.


def _ours(port: int, workdir: Path) -> list[str]:
    exe = str(_VENV_BIN / "tui-chat")
    help_text = subprocess.run([exe, "serve", "--help"], capture_output=True, text=True).stdout
    argv = [exe, "serve", "127.0.0.1", str(port), "--no-room"]
    if "--flood-exempt" in help_text:
        argv += ["--flood-exempt", "127.0.0.1/32"]
    if "--quiet" in help_text:
        argv.append("--quiet")
    if "--db" in help_text:
        argv += ["--db", ":memory:"]
    return argv


def _floor(port: int, workdir: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).with_name("floor.py")), str(port)]


def _miniircd(port: int, workdir: Path) -> list[str]:
    argv = [str(_VENV_BIN / "miniircd"), "--listen", "127.0.0.1", "--ports", str(port)]
    if os.geteuid() == 0:
        argv += ["--setuid", "root"]  # miniircd refuses to run as root otherwise
    return argv


# ngircd: no DNS or ident lookups, no per-IP connection cap, penalties off
# (MaxPenaltyTime = 0), pings rare enough not to disturb a run.
_NGIRCD_CONF = """\
[Global]
    Name = bench.ngircd.local
    Info = benchmark
    Listen = 127.0.0.1
    Ports = {port}
    MotdPhrase = benchmark
    PidFile = {workdir}/ngircd.pid
    ServerUID = {uid}
    ServerGID = {gid}
[Limits]
    MaxConnections = 0
    MaxConnectionsIP = 0
    MaxJoins = 0
    MaxPenaltyTime = 0
    PingTimeout = 600
    PongTimeout = 600
[Options]
    DNS = no
    Ident = no
    PAM = no
"""


def _ngircd(port: int, workdir: Path) -> list[str]:
    conf = workdir / "ngircd.conf"
    conf.write_text(
        _NGIRCD_CONF.format(port=port, workdir=workdir, uid=os.getuid(), gid=os.getgid())
    )
    return ["/usr/sbin/ngircd", "--nodaemon", "--config", str(conf)]


# inspircd 3: one connect class for loopback with fake lag off, a command rate
# and flood threshold far above the load, clone limits above 10,000, and send
# and receive queues large enough for a 1,000-member room's bursts.
_INSPIRCD_CONF = """\
<server name="bench.inspircd.local" description="benchmark" network="Bench">
<admin name="bench" nick="bench" email="bench@localhost">
<bind address="127.0.0.1" port="{port}" type="clients">
<connect name="bench" allow="127.0.0.1" timeout="60" pingfreq="600"
         hardsendq="64M" softsendq="8M" recvq="1M" threshold="1000000000"
         commandrate="1000000000" fakelag="no" localmax="100000" globalmax="100000"
         limit="100000" maxchans="100" useident="no" resolvehostnames="no">
<channels users="100" opers="100">
<performance softlimit="{fd_limit}" somaxconn="4096" netbuffersize="65536" quietbursts="yes">
<security hideserver="" userstats="Pu" flatlinks="no" hidebans="no" maxtargets="20">
<pid file="{workdir}/inspircd.pid">
<files motd="{workdir}/motd.txt">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="sparse" target="{workdir}/inspircd.log">
"""


def _inspircd(port: int, workdir: Path) -> list[str]:
    (workdir / "motd.txt").write_text("benchmark\n")
    conf = workdir / "inspircd.conf"
    conf.write_text(_INSPIRCD_CONF.format(port=port, workdir=workdir, fd_limit=SERVER_FD_LIMIT))
    argv = ["/usr/sbin/inspircd", "--nofork", "--nopid", f"--config={conf}"]
    if os.geteuid() == 0:
        argv.append("--runasroot")
    return argv


@dataclass(frozen=True)
class _Kind:
    command: Callable[[int, Path], list[str]]
    version: list[str]
    installed: Callable[[], bool]
    registration_burst: int | None = None
    # Part of `suite` (every real IRC server is; the floor is a reference, not a server).
    in_suite: bool = True


SERVER_KINDS: dict[str, _Kind] = {
    "ours": _Kind(_ours, [str(_VENV_BIN / "tui-chat"), "version"], lambda: _has_serve_command()),
    "miniircd": _Kind(
        _miniircd,
        [str(_VENV_BIN / "miniircd"), "--version"],
        lambda: (_VENV_BIN / "miniircd").exists(),
    ),
    "ngircd": _Kind(
        _ngircd, ["/usr/sbin/ngircd", "--version"], lambda: Path("/usr/sbin/ngircd").exists()
    ),
    "floor": _Kind(
        _floor, [sys.executable, "-c", "print('uvloop floor')"], lambda: True, in_suite=False
    ),
    "inspircd": _Kind(
        _inspircd,
        ["/usr/sbin/inspircd", "--version"],
        lambda: shutil.which("inspircd") is not None,
        INSPIRCD_REGISTRATION_BURST,
    ),
}


def _has_serve_command() -> bool:
    exe = _VENV_BIN / "tui-chat"
    if not exe.exists():
        return False
    result = subprocess.run([str(exe), "serve", "--help"], capture_output=True, timeout=20)
    return result.returncode == 0


def available_servers() -> list[str]:
    """The IRC servers installed here, the ones `suite` compares."""
    return [name for name, kind in SERVER_KINDS.items() if kind.in_suite and kind.installed()]


@contextmanager
def running_server(kind: str) -> Iterator[RunningServer]:
    """Start a fresh server of `kind` on a free loopback port; stop it on exit."""
    spec = SERVER_KINDS[kind]
    with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        log = (workdir / "server.log").open("wb")
        process = subprocess.Popen(
            spec.command(port, workdir),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_raise_child_fd_limit,
            cwd=workdir,
        )
        try:
            _wait_until_listening(port, process)
            yield RunningServer(
                kind,
                _first_line(spec.version),
                "127.0.0.1",
                port,
                ProcessProbe(process.pid),
                spec.registration_burst,
            )
        except Exception:
            log.flush()
            sys.stderr.write((workdir / "server.log").read_text(errors="replace")[-2000:])
            raise
        finally:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
