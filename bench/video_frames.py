"""The cost of hashing a video's key frames (evidence/render.py `video_frames`, the child the
worker starts for each video; key_frames.py).

    .venv/bin/python bench/video_frames.py                     # 720p and 1080p, 30 s, 30 fps
    .venv/bin/python bench/video_frames.py --seconds 10 --heights 2160 --repeat 5

Makes phone-like videos with PyAV (H.264, a key frame a second, moving content) in a
temporary folder, runs the child on each as the worker does (`python -I render.py
video_frames <max_pixels> 0 <path>`, under its rlimits) and prints, per video, the child's
CPU time (user + system) and peak memory (max RSS) from wait4, median of the repeats, beside
the same child started on a file it refuses at once (the start-up alone: interpreter, PyAV,
Pillow). Then the worker's part: the eight pHashes of the child's answer. Asserts nothing.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path
                             if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from casework.evidence.key_frames import parse  # noqa: E402

RENDERER = ROOT / "casework" / "evidence" / "render.py"
MAX_PIXELS = 50_000_000  # the default CASEWORK_EVIDENCE_MAX_PIXELS


def make_video(path: Path, width: int, height: int, seconds: int, fps: int) -> None:
    rng = np.random.default_rng(width)
    base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    base = np.kron(base, np.ones((8, 8, 1), dtype=np.uint8))  # blocks, not noise: compressible
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps,
                                      options={"preset": "ultrafast", "crf": "28"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = fps
        for n in range(seconds * fps):
            picture = np.roll(base, shift=n * 4, axis=1)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(stream.encode())


# The child is started by a small launcher: a process's peak memory counts what it had before
# its exec, so a child forked straight from this process (PyAV, numpy) would report ours.
LAUNCHER = """import os, sys
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_pid, _status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
"""


def run_child(path: Path) -> tuple[float, float, float, bytes]:
    """(CPU seconds, wall seconds, max RSS in MB, stdout) of one child run."""
    report = path.with_suffix(".usage")
    start = time.perf_counter()
    out = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-I", "-S", "-c", LAUNCHER, str(report), sys.executable, "-I",
         str(RENDERER), "video_frames", str(MAX_PIXELS), "0", str(path)],
        capture_output=True, check=False).stdout
    wall = time.perf_counter() - start
    cpu, rss = report.read_text().split()
    return float(cpu), wall, int(rss) / 1024, out


def measure(label: str, path: Path, repeat: int) -> bytes:
    runs = [run_child(path) for _ in range(repeat)]
    cpu = statistics.median(run[0] for run in runs)
    wall = statistics.median(run[1] for run in runs)
    rss = max(run[2] for run in runs)
    size = path.stat().st_size / 2**20
    print(f"{label:<28} {size:7.1f} MB  child CPU {cpu * 1000:7.0f} ms  wall {wall * 1000:7.0f} ms"
          f"  max RSS {rss:6.0f} MB")
    return runs[0][3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--heights", type=int, nargs="+", default=[720, 1080])
    args = parser.parse_args()
    print(f"PyAV {av.__version__}, FFmpeg {av.ffmpeg_version_info}; load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        refused = Path(folder) / "refused.mp4"
        refused.write_bytes(b"not a video")
        measure("start-up only (refused)", refused, args.repeat)
        answer = b""
        for height in args.heights:
            width = height * 16 // 9
            path = Path(folder) / f"{height}p.mp4"
            make_video(path, width, height, args.seconds, args.fps)
            answer = measure(f"{height}p, {args.seconds} s, {args.fps} fps", path, args.repeat)
        parse(answer)  # imagehash and scipy load once in the worker
        start = time.process_time()
        for _ in range(args.repeat):
            hashes = parse(answer)
        per = (time.process_time() - start) / args.repeat
        print(f"worker: parse and pHash {len(hashes)} key frames: {per * 1000:.1f} ms CPU")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
