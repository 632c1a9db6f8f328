"""Wall time of one zINSTREAM scan by casework.evidence.scanning.Clamd against a real clamd.

    .venv/bin/python bench/clamd_scan.py [--repeat 5]

Starts clamd (Debian clamav-daemon) with the test's EICAR-only signature database in a
temporary folder, so the figures are the protocol and clamd's parsers, not a full signature
set (which adds its own matching time). Prints figures; asserts nothing.
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from casework.evidence.scanning import Clamd  # noqa: E402
from tests.plugin import clamd as harness  # noqa: E402
from tests.plugin.data import PDF, png_bytes  # noqa: E402

SIZES = (("64 KiB PNG", 64 * 1024), ("1 MiB PNG", 2**20), ("10 MiB PDF", 10 * 2**20),
         ("24 MiB PDF", 24 * 2**20))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    harness.STREAM_MAX = 25 * 2**20
    with tempfile.TemporaryDirectory() as folder:
        server = harness.ClamdServer(Path(folder))
        started = time.perf_counter()
        server.start()
        print(f"clamd ready (PONG) after {time.perf_counter() - started:.2f} s")
        client = Clamd(socket_path=server.socket, timeout=120, stream_max=25 * 2**20)
        try:
            for name, size in SIZES:
                head = png_bytes() if "PNG" in name else PDF
                data = head + b"\0" * (size - len(head))
                walls = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    verdict = client.scan(io.BytesIO(data))
                    walls.append(time.perf_counter() - t0)
                print(f"{name:12} {verdict.status.value:8} median {statistics.median(walls) * 1000:8.1f} ms"
                      f"  ({size / statistics.median(walls) / 2**20:6.1f} MiB/s)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
