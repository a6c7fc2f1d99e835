"""The parser worker process, as seen from the caller (kept free of pandas so the CLI can start the
worker before it imports anything heavy; loaders.safety re-exports it)."""
from __future__ import annotations

import atexit
import os
import pickle
import struct
import subprocess
import sys
import threading
import time

from loaders import config


def _unreadable(message: str) -> Exception:
    from loaders.report import UnreadableLedger

    return UnreadableLedger(message)


def _memory_mb() -> int:
    try:
        return int(config.upload_limits().get("worker_memory_mb", 3072))
    except Exception:  # noqa: BLE001 - settings unreadable: the default
        return 3072


class _Worker:
    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        root = str(config.PROJECT_ROOT)
        env = dict(os.environ)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        mem = str(_memory_mb())
        return subprocess.Popen([sys.executable, "-m", "loaders._parse_worker", mem], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=root, env=env)

    def _kill(self) -> None:
        if self.proc is not None:
            try:
                self.proc.kill()
                self.proc.wait(timeout=5)
            except Exception:  # noqa: BLE001
                pass
            self.proc = None

    def warm(self) -> None:
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = self._start()

    def request(self, req: dict, timeout: float, while_waiting=None, on_message=None) -> dict:
        """One request, one final reply. Messages {"ok": True, "sheet": …} streamed before the final reply go
        to on_message(sheet, side) (side: what while_waiting returned); the timeout covers the whole exchange."""
        deadline = time.monotonic() + timeout
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = self._start()
            proc = self.proc
            payload = pickle.dumps(req, protocol=5)
            try:
                proc.stdin.write(struct.pack("<Q", len(payload)))
                proc.stdin.write(payload)
                proc.stdin.flush()
            except (BrokenPipeError, OSError):
                self._kill()
                raise _unreadable("解析进程无法启动或已退出，请稍后重试。")
            side = None
            if while_waiting is not None:      # work the parent does while the child parses
                try:
                    side = while_waiting()
                except Exception:  # noqa: BLE001 - side work is best effort
                    side = None
            while True:
                reply = self._read_reply(proc, max(deadline - time.monotonic(), 0.001))
                if not (isinstance(reply, dict) and "sheet" in reply):
                    break
                if on_message is not None:
                    try:
                        on_message(reply["sheet"], side)
                    except BaseException:
                        self._kill()         # the rest of the stream is still in the pipe: start afresh
                        raise
            if isinstance(reply, dict) and side is not None:
                reply["side"] = side
            if reply is None or reply == "eof":
                code = proc.poll()
                if reply == "eof" and code is None:
                    try:
                        code = proc.wait(timeout=2)
                    except subprocess.TimeoutExpired:
                        code = None
                self._kill()
                if reply is None and code is None:
                    raise _unreadable(f"解析超时（超过{timeout:g}秒仍未完成），文件可能过大、结构异常或已损坏，已中止读取。")
                raise _unreadable("读取该文件时解析程序异常退出（文件可能已损坏或为恶意构造），已中止读取；系统其他功能不受影响。"
                                       "请用Excel打开该文件并另存为.xlsx后重新报送。")
            return reply

    @staticmethod
    def _read_reply(proc: subprocess.Popen, timeout: float):
        import selectors

        fd = proc.stdout
        deadline = time.monotonic() + timeout
        buf = bytearray()
        need = 8
        length = None
        sel = selectors.DefaultSelector()
        sel.register(fd, selectors.EVENT_READ)
        try:
            while True:
                while len(buf) < need:
                    left = deadline - time.monotonic()
                    if left <= 0 or not sel.select(left):
                        return None
                    chunk = os.read(fd.fileno(), min(need - len(buf), 8 << 20))   # never past this message
                    if not chunk:
                        return "eof"
                    buf += chunk
                if length is None:
                    (length,) = struct.unpack("<Q", bytes(buf[:8]))
                    del buf[:8]
                    need = length
                    continue
                return pickle.loads(bytes(buf[:length]))
        finally:
            sel.close()


_WORKER = _Worker()
atexit.register(_WORKER._kill)


def _after_fork_in_child() -> None:
    """A forked process must not talk to its parent's worker through the inherited pipes (nor wait on a lock
    held at fork time): it starts its own worker when it needs one."""
    _WORKER.proc = None
    _WORKER.lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def warm_worker() -> None:
    """Start the parser process ahead of the first upload (the dashboard may call this at start-up)."""
    _WORKER.warm()


