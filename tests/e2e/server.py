"""A real ``devgroups serve`` process on a free port, for end-to-end tests."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

STARTUP_DEADLINE = 30.0


@dataclass
class ServerProcess:
    data_dir: Path
    proc: subprocess.Popen[str]
    url: str
    log: Path
    device_port: int
    pump: threading.Thread
    lines: queue.Queue[str] = field(default_factory=queue.Queue)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Signal the server, wait for it to end and return its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=timeout)
            raise
        finally:
            self.pump.join(timeout=timeout)
            if self.proc.stdout is not None:
                self.proc.stdout.close()


def start_server(data_dir: Path, *extra: str) -> ServerProcess:
    """Start the server on port 0 and return once it announces its address."""
    log = data_dir.parent / f"{data_dir.name}-server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log.open("a") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devgroups",
                "serve",
                "--port",
                "0",
                "--device-port",
                "0",
                "--data-dir",
                str(data_dir),
                "--log-level",
                "warning",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    stdout = proc.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)
        lines.put("")

    pumping = threading.Thread(target=pump, daemon=True)
    pumping.start()
    server = ServerProcess(data_dir, proc, "", log, 0, pumping, lines)
    try:
        line = lines.get(timeout=STARTUP_DEADLINE)
    except queue.Empty:
        line = ""
    if not line.startswith("devgroups listening on "):
        server.stop(signal.SIGKILL)
        raise RuntimeError(f"server did not start ({line!r}): {log.read_text()}")
    words = line.split()
    server.url = words[3]
    server.device_port = int(words[-1].rsplit(":", 1)[1])
    return server
