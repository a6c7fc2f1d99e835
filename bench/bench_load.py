"""Concurrent first loads of the overview: N sessions open it at the same moment against a real `streamlit run`.

Each session is a WebSocket client speaking Streamlit's own protocol (what the browser's frontend sends: a
rerun_script BackMsg), timed from its request to the script's end (script_finished). Prints each session's time,
then the median and the slowest, in three rounds: fresh servers (nothing imported, nothing cached), warm caches,
and the weekly meeting's case: the servers have run for a while and a district's new ledger has just been
imported (a new store version: every cached figure is computed again, the code is already loaded). The browser's drawing is not included:
this measures the server, which is what concurrent sessions share.

Run: python bench/bench_load.py [--sessions 30] [--processes N] [--db path/to/store.sqlite]
(without --db, the sample store is built; a given store is copied, and the copy receives the new ledger). With --processes N, N `streamlit run`
servers share the store and the sessions are dealt out among them in turn, as a proxy with sticky sessions does
(deploy/, docs/deployment.md): the capacity of N processes, without the proxy's own small cost.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages import sample_store  # noqa: E402  (the sample history built through the reader)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def open_overview(url: str) -> float:
    """Seconds from the rerun request to script_finished for one new session on the default page."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    # No keepalive pings: a server busy with 30 first loads answers them late, which is what is measured.
    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=120,
                                  ping_interval=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = ""
        start = time.perf_counter()
        await ws.send(msg.SerializeToString())
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=300))
            if forward.WhichOneof("type") == "script_finished":
                return time.perf_counter() - start


async def round_of(urls: list[str], sessions: int) -> list[float]:
    return list(await asyncio.gather(*(open_overview(urls[i % len(urls)]) for i in range(sessions))))


def report(name: str, times: list[float]) -> None:
    print(f"{name}: " + " ".join(f"{t:.1f}" for t in sorted(times)))
    print(f"  median {statistics.median(times):.1f} s, slowest {max(times):.1f} s, sessions {len(times)}")


@contextlib.contextmanager
def serve(db: Path, folder: Path, processes: int = 1):
    """`processes` servers on `db`, started together; yields their WebSocket URLs."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(serve_one(db, folder)) for _ in range(processes)]


@contextlib.contextmanager
def serve_one(db: Path, folder: Path):
    """`streamlit run dashboard.py` on a free loopback port with `db` as the store; yields the WebSocket URL."""
    port = free_port()
    with open(folder / f"streamlit-{port}.log", "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
                                   "--server.port", str(port), "--server.address", "127.0.0.1"],
                                  cwd=ROOT, env={**os.environ, "LEDGER_DB": str(db)}, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            for _ in range(240):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.5)
            yield f"ws://127.0.0.1:{port}/_stcore/stream"
        finally:
            server.terminate()
            server.wait(timeout=30)


def import_new_ledger(db: Path) -> None:
    """A district's ledger imported again (--replace) through the command line, as a district office does: a
    new store version, so the servers' caches no longer answer."""
    latest = max((ROOT / "sample_data" / "ledgers").glob("*/*.csv"))
    subprocess.run([sys.executable, "-m", "loaders", "import", str(latest), "--replace", "--db", str(db),
                    "--report-date", latest.parent.name],     # the sample's folders are named by the date
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--processes", type=int, default=1, help="dashboard processes the sessions are dealt to")
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    many = f"{args.sessions} sessions at once on {args.processes} process{'es' if args.processes > 1 else ''}"
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        folder = Path(tmp)
        db = folder / "load.sqlite"
        if args.db:
            shutil.copyfile(args.db, db)
        else:
            sample_store(folder).rename(db)
        with serve(db, folder, args.processes) as urls:   # every session's first load at once, nothing cached
            report(f"{many}, fresh servers", asyncio.run(round_of(urls, args.sessions)))
        with serve(db, folder, args.processes) as urls:
            report("one session, fresh server", asyncio.run(round_of(urls[:1], 1)))
            report("one session, warm", asyncio.run(round_of(urls[:1], 1)))
            asyncio.run(round_of(urls, len(urls)))          # every process warm, not only the first
            report(f"{many}, warm", asyncio.run(round_of(urls, args.sessions)))
            import_new_ledger(db)
            report(f"{many}, after a new ledger", asyncio.run(round_of(urls, args.sessions)))


if __name__ == "__main__":
    main()
