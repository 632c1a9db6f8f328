"""The cost of encrypting evidence files at rest (evidence/sealed.py, core.crypto files).

    .venv/bin/python bench/crypto_files.py              # 16 MB stream, 200 files of 200 KB
    .venv/bin/python bench/crypto_files.py --files 500 --size 200000

Prints, with a throw-away key and a temporary folder (removed afterwards):
- the speed of encrypt_stream / decrypt_stream in MB/s, beside SHA-256 alone;
- the CPU time per intake of one file: the store's path now (hash + encrypt while writing,
  plus the in-memory copy inspection reads) against the same steps in plaintext;
- the CPU time per verified download (the file decrypted and hashed in full, then decrypted
  again as it is served) against the plaintext path it replaces (read, hash, spool, serve).
Process CPU time, not wall time: the fsyncs' waiting is left out. Asserts nothing.
"""

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path
                             if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from casework.core import crypto  # noqa: E402
from casework.evidence.sealed import plain_scratch  # noqa: E402
from casework.evidence.storage import CHUNK, LocalStorage  # noqa: E402

MB = 2**20


def speed(data: bytes, ring: crypto.Keyring) -> None:
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]
    start = time.process_time()
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    hashed = time.process_time() - start
    start = time.process_time()
    for _part in ring.encrypt_stream(chunks):  # each written and dropped, as in a file
        pass
    encrypted = time.process_time() - start
    sealed = b"".join(ring.encrypt_stream(chunks))
    sealed_chunks = [sealed[i:i + CHUNK + 16] for i in range(0, len(sealed), CHUNK + 16)]
    start = time.process_time()
    assert sum(len(p) for p in ring.decrypt_stream(sealed_chunks)) == len(data)
    decrypted = time.process_time() - start
    size = len(data) / MB
    print(f"stream of {size:.0f} MB: SHA-256 {size / hashed:,.0f} MB/s, "
          f"encrypt {size / encrypted:,.0f} MB/s, decrypt {size / decrypted:,.0f} MB/s")


def plain_intake(folder: Path, data: bytes) -> None:
    """What the store did before: hash while writing plaintext, fsync, rename."""
    fd, path = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    digest = hashlib.sha256()
    with os.fdopen(fd, "wb") as out:
        for i in range(0, len(data), CHUNK):
            digest.update(data[i:i + CHUNK])
            out.write(data[i:i + CHUNK])
        out.flush()
        os.fsync(out.fileno())
    os.replace(path, folder / digest.hexdigest())


def sealed_intake(storage: LocalStorage, data: bytes) -> str:
    incoming = storage.incoming(plain_copy=True)
    for i in range(0, len(data), CHUNK):
        incoming.write(data[i:i + CHUNK])
    incoming.flush()
    sha256 = incoming.sha256
    storage.put_new(sha256, incoming)
    return sha256


def plain_download(path: Path) -> None:
    """Before: read, hash and spool in one pass, then serve the spool."""
    digest = hashlib.sha256()
    with tempfile.SpooledTemporaryFile(max_size=8 * MB) as spool, open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            spool.write(chunk)
        spool.seek(0)
        while spool.read(8192):  # what the WSGI server reads to send
            pass


def sealed_download(storage: LocalStorage, sha256: str) -> None:
    """Now (services.copy_verified): decrypt and hash in full, then decrypt again to serve."""
    stream = storage.open(sha256)
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    assert digest.hexdigest() == sha256
    stream.seek(0)
    while stream.read(8192):
        pass
    stream.close()


def per_file(label: str, run, count: int) -> float:
    start = time.process_time()
    for number in range(count):
        run(number)
    spent = (time.process_time() - start) / count * 1000
    print(f"  {label}: {spent:.2f} ms CPU per file")
    return spent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--stream-mb", type=int, default=16)
    args = parser.parse_args()

    ring = crypto.parse_keys(crypto.new_key_line("bench"))
    crypto.install(ring)
    speed(os.urandom(args.stream_mb * MB), ring)

    work = Path(tempfile.mkdtemp(prefix="casework-bench-crypto-"))
    try:
        files = [os.urandom(args.size) for _ in range(args.files)]
        plain_folder = work / "plain"
        plain_folder.mkdir()
        storage = LocalStorage(str(work / "sealed"))
        print(f"intake of {args.files} files of {args.size / 1000:.0f} KB "
              "(hash, write, fsync, rename):")
        before = per_file("plaintext", lambda n: plain_intake(plain_folder, files[n]),
                          args.files)
        hashes: list[str] = []
        after = per_file("encrypted + in-memory copy for inspection",
                         lambda n: hashes.append(sealed_intake(storage, files[n])), args.files)
        print(f"  added: {after - before:.2f} ms CPU per {args.size / 1000:.0f} KB intake")

        # A memfd is what inspection and the preview renderer read: its cost alone.
        start = time.process_time()
        for data in files:
            scratch, _path = plain_scratch()
            with scratch:
                scratch.write(data)
        print(f"  of which the in-memory copy: "
              f"{(time.process_time() - start) / args.files * 1000:.2f} ms")

        names = sorted(plain_folder.iterdir())
        print("verified download:")
        before = per_file("plaintext (read, hash, spool, serve)",
                          lambda n: plain_download(names[n]), args.files)
        after = per_file("encrypted (decrypt + hash, decrypt + serve)",
                         lambda n: sealed_download(storage, hashes[n]), args.files)
        print(f"  added: {after - before:.2f} ms CPU per {args.size / 1000:.0f} KB download")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
