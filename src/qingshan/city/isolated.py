"""Running untrusted work in a child process with memory and time limits.

An uploaded workbook is parsed and validated by a ``spawn``-ed child whose resident memory
the parent watches (``VmRSS``, every :data:`WATCH_SECONDS`) and which it kills beyond the limit
or at a wall-clock deadline. The child's address space is capped too (``RLIMIT_AS``, at
:data:`ADDRESS_SPACE_FACTOR` times the limit), so that one absurd allocation (a sheet that
claims a million columns) fails at once; it is not the limit itself because the readers
reserve far more address space than they touch (a 5 000-enterprise workbook reserved 2.2 GB
while 0.8 GB was resident). Its CPU time is capped as well (``RLIMIT_CPU``), so a child
whose parent died still stops. A hostile file
can then exhaust the child, never the server: whatever stops the child comes back as a
coded problem of the file (:data:`MEMORY`, :data:`TIME`, :data:`CRASH`), never as an
exception of the server. At most :data:`SLOTS` children run at once, so that concurrent
uploads cannot multiply the memory allowed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qingshan.errors import Problem, ValidationError
from qingshan.settings import setting

MEMORY, TIME, CRASH = "U001", "U002", "U003"
#: how often the parent reads the child's resident memory
WATCH_SECONDS = 0.05
#: the child's address space is capped at this many times the resident limit
ADDRESS_SPACE_FACTOR = 8
#: children that may run at once (each may use the whole memory limit)
SLOTS = max(1, min(4, os.cpu_count() or 1))
_slots = threading.BoundedSemaphore(SLOTS)


@dataclass(frozen=True)
class Limits:
    """What one child may use: ``memory`` bytes of resident memory and ``seconds`` of wall
    time (the CPU-time limit is a little longer, for a child left without its parent)."""

    memory: int
    seconds: float

    @classmethod
    def from_settings(cls) -> Limits:
        """``QINGSHAN_UPLOAD_MEMORY_MB`` and ``QINGSHAN_UPLOAD_SECONDS`` (docs/configuration.md)."""
        return cls(memory=int(float(setting("upload_memory_mb")) * 2**20), seconds=float(setting("upload_seconds")))


def _problem(code: str, label: str, zh: str, en: str) -> ValidationError:
    return ValidationError([Problem(code, label, None, None, None, zh, en)])


def _child(conn: Any, memory: int, seconds: float, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """The child's body: limit itself, run ``fn(*args)``, send what happened."""
    try:
        import resource

        space = memory * ADDRESS_SPACE_FACTOR
        resource.setrlimit(resource.RLIMIT_AS, (space, space))
        cpu = int(seconds) + 10
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    except (ImportError, ValueError, OSError):  # pragma: no cover - a platform without these limits
        pass
    try:
        out: tuple[str, Any] = ("ok", fn(*args))
    except MemoryError:
        out = ("memory", None)
    except ValidationError as exc:
        out = ("problems", list(exc.problems))
    except Exception as exc:  # the file broke the reader: a problem of the file
        out = ("error", f"{type(exc).__name__}: {exc}"[:500])
    try:
        conn.send(out)
    except MemoryError:
        conn.send(("memory", None))
    conn.close()


def run(fn: Callable[..., Any], args: tuple[Any, ...], limits: Limits, *, label: str) -> Any:
    """``fn(*args)`` in a child process under ``limits``; its result (which must pickle).
    ``fn`` must be a module-level function. Raises :class:`ValidationError` with one problem
    naming ``label`` when the child needs more memory or time than allowed, crashes or
    raises (a :class:`ValidationError` of the child comes back as it was)."""
    ctx = multiprocessing.get_context("spawn")
    with _slots:
        receiver, sender = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_child, args=(sender, limits.memory, limits.seconds, fn, args), daemon=True,
                            name="qingshan-check")
        child.start()
        sender.close()
        try:
            msg: tuple[str, Any] | None = None
            deadline = time.monotonic() + limits.seconds
            while True:
                if receiver.poll(max(0.0, min(WATCH_SECONDS, deadline - time.monotonic()))):
                    try:
                        msg = receiver.recv()
                    except (EOFError, OSError):
                        msg = None
                    break
                if not child.is_alive():
                    break
                if time.monotonic() >= deadline:
                    child.kill()
                    child.join()
                    raise _timeout(limits, label)
                if child.pid is not None and resident(child.pid) > limits.memory:
                    child.kill()
                    child.join()
                    raise _too_large(limits, label)
            child.join(10)
            if child.is_alive():  # pragma: no cover - sent its answer, then hung
                child.kill()
                child.join()
        finally:
            receiver.close()
    if msg is None:
        if child.exitcode == -signal.SIGXCPU:
            raise _timeout(limits, label)
        mb = limits.memory // 2**20
        raise _problem(MEMORY, label,
                       f"校验该文件所需内存超过上限 {mb} MB，或校验进程异常终止（代码 {child.exitcode}）",
                       f"checking this file needs more memory than the {mb} MB allowed, or the checking process "
                       f"stopped abnormally (code {child.exitcode})")
    kind, value = msg
    if kind == "ok":
        return value
    if kind == "problems":
        raise ValidationError(value)
    if kind == "memory":
        raise _too_large(limits, label)
    raise _problem(CRASH, label, f"无法读取该文件：{value}", f"the file cannot be read: {value}")


def resident(pid: int) -> int:
    """The resident memory of process ``pid`` in bytes (0 where ``/proc`` does not say)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _too_large(limits: Limits, label: str) -> ValidationError:
    mb = limits.memory // 2**20
    return _problem(MEMORY, label, f"校验该文件所需内存超过上限 {mb} MB（QINGSHAN_UPLOAD_MEMORY_MB）",
                    f"checking this file needs more memory than the {mb} MB allowed (QINGSHAN_UPLOAD_MEMORY_MB)")


def _timeout(limits: Limits, label: str) -> ValidationError:
    return _problem(TIME, label, f"校验该文件所需时间超过上限 {limits.seconds:g} 秒（QINGSHAN_UPLOAD_SECONDS）",
                    f"checking this file takes longer than the {limits.seconds:g} s allowed (QINGSHAN_UPLOAD_SECONDS)")
