"""The parts of `make bench-compare` that touch processes: gunicorn servers started and stopped
by their PID, wrk runs, the workers' CPU from /proc, their RSS, a staff sign-in over HTTP."""

import http.client
import json
import os
import re
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path

HOST = "127.0.0.1"
HZ = os.sysconf("SC_CLK_TCK")
LUA = Path(__file__).with_name("compare.lua")


def stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: [1] ppid, [11] utime, [12] stime (ticks)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def workers(master: int) -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and stat(int(p))[1:2] == [str(master)]]


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    return {pid: int(f[11]) + int(f[12]) for pid in pids if (f := stat(pid))}


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


class Server:
    """One gunicorn master in its own session; stop() signals it by its PID only."""

    def __init__(self, name: str, argv: list[str], cwd: Path, env: dict, log: Path, port: int):
        self.name, self.port, self.log = name, port, log
        with open(log, "ab") as out:
            self.process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out,  # noqa: S603
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, count: int, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early; see {self.log}")
            try:
                if get(self.port, "/healthz")[0] == 200 and len(workers(self.process.pid)) >= count:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer /healthz; see {self.log}")

    @property
    def workers(self) -> list[int]:
        return workers(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def request(port: int, method: str, path: str, body=None, headers=None):
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def get(port: int, path: str, cookie: str = ""):
    return request(port, "GET", path, headers={"Cookie": cookie} if cookie else {})


def staff_cookie(port: int, email: str, password: str, totp_secret: str) -> str:
    """Sign in as a browser does: password, then the TOTP code; returns the Cookie header."""
    import pyotp

    jar: dict[str, str] = {}

    def send(method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response_headers, data = request(port, method, path, body, headers)
        for name, value in response_headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                jar[key] = rest.split(";", 1)[0]
        return status, dict(response_headers), data

    def token(path: str) -> str:
        page = send("GET", path)[2].decode()
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    status, headers, _ = send("POST", "/login", {"email": email, "password": password,
                                                "csrf_token": token("/login")})
    if status not in (302, 303) or "/login/code" not in headers.get("Location", ""):
        raise RuntimeError(f"sign-in: password step answered {status}")
    status, headers, _ = send("POST", "/login/code", {"code": pyotp.TOTP(totp_secret).now(),
                                                     "csrf_token": token("/login/code")})
    if status not in (302, 303) or "/login" in headers.get("Location", "/login"):
        raise RuntimeError(f"sign-in: code step answered {status}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def wrk(url: str, seconds: float, connections: int, script_args: list[str]) -> dict:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
            "-s", str(LUA), url, "--", *script_args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)  # noqa: S603
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {done.stdout[-500:]}{done.stderr[-500:]}")
    return json.loads(line[len("WRKJSON "):])


def measure(server: Server, url: str, seconds: float, connections: int,
            script_args: list[str]) -> dict:
    """One wrk run; the server's workers' CPU (utime + stime) before and after, per request."""
    load = loadavg()[0]
    pids = server.workers
    before = cpu_ticks(pids)
    result = wrk(url, seconds, connections, script_args)
    time.sleep(0.2)  # the last answers leave the workers
    after = cpu_ticks(pids)
    ticks = sum(after[p] - before[p] for p in after if p in before)
    n = result["requests"]
    result.update(load=load, rps=n / result["duration_s"] if result["duration_s"] else 0,
                  cpu_ms=ticks * 1000 / HZ / n if n else None,
                  restarted=len(set(pids) - set(server.workers)))
    return result


def merged(parts: list[dict]) -> dict:
    """Runs of one server in one scenario as one: totals of requests, time and CPU; each
    latency percentile as the mean of the runs' weighted by their requests (an estimate)."""
    total = sum(p["requests"] for p in parts)
    duration = sum(p["duration_s"] for p in parts)
    result = dict(parts[0], requests=total, duration_s=duration,
                  rps=total / duration if duration else 0,
                  cpu_ms=sum((p["cpu_ms"] or 0) * p["requests"] for p in parts) / total
                  if total else None)
    for key in ("bytes", "unexpected", "socket_errors", "restarted"):
        result[key] = sum(p.get(key, 0) for p in parts)
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        result[key] = sum(p[key] * p["requests"] for p in parts) / total if total else 0
    return result


def abba(run, seconds: float) -> tuple[dict, dict]:
    """Casework (a) and the baseline (b) in the order a, b, b, a, each for half the time:
    what the machine's speed does meanwhile (a neighbour, the page cache, the disk) falls on
    both alike, so their ratio moves much less from one run to the next than after one run
    of each. `run(app, half, seconds)` measures one; app 0 is Casework, 1 the baseline."""
    parts: dict[int, list[dict]] = {0: [], 1: []}
    half_time = max(1, round(seconds / 2))  # wrk takes whole seconds
    for app, half in ((0, 0), (1, 0), (1, 1), (0, 1)):
        parts[app].append(run(app, half, half_time))
    return merged(parts[0]), merged(parts[1])
