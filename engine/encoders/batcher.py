"""Merge concurrent requests into batches, so an encoder (and a GPU behind it) sees full batches.

``await batcher.submit(item)`` queues one item; a background task takes up to ``max_batch`` queued items,
waiting at most ``max_wait_ms`` after the oldest arrived, and runs the blocking batch function on the
batcher's own worker threads: ``workers`` batches at most at a time (1 for a GPU, which wants one full batch;
on a CPU one per core that an ONNX session with one intra-op thread can use, since bigger batches do not make
ONNX Runtime faster per image there). Nothing starts until the first
``submit``: construction does no work and binds no event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
from PIL import Image

from engine.encoders.base import Encoder

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """How a model on one kind of device should be batched."""

    max_batch: int
    max_wait_ms: float
    workers: int

    @classmethod
    def for_device(cls, on_gpu: bool, encoder_threads: int = 1) -> BatchPlan:
        """A GPU gets full batches one at a time; a CPU small batches side by side, one per free core."""
        if on_gpu:
            return cls(max_batch=32, max_wait_ms=5.0, workers=1)
        return cls(max_batch=8, max_wait_ms=2.0, workers=max(1, (os.cpu_count() or 1) // encoder_threads))


class BatcherClosed(RuntimeError):
    """``submit`` was called on a batcher that is closing or closed."""


@dataclass(slots=True)
class _Pending(Generic[T, R]):
    item: T
    future: asyncio.Future[R]
    arrived: float = field(default_factory=time.monotonic)


class MicroBatcher(Generic[T, R]):
    """Run ``fn(list[T]) -> list[R]`` over batches of concurrently submitted items, ``workers`` batches at a time."""

    def __init__(
        self,
        fn: Callable[[list[T]], list[R]],
        *,
        max_batch: int = 32,
        max_wait_ms: float = 5.0,
        workers: int = 1,
        name: str = "batch",
    ) -> None:
        if max_batch < 1 or max_wait_ms < 0 or workers < 1:
            raise ValueError("max_batch and workers must be >= 1 and max_wait_ms >= 0")
        self.fn = fn
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000
        self.name = name
        self.workers = workers
        self.batches = 0  # batches run so far, for metrics and tests
        self._pending: deque[_Pending[T, R]] = deque()
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._closing = False

    async def submit(self, item: T) -> R:
        """Queue ``item`` and return its result once its batch has run (raising what the batch raised)."""
        if self._closing:
            raise BatcherClosed(f"{self.name} batcher is closed")
        self._start()
        assert self._loop is not None and self._wakeup is not None
        pending: _Pending[T, R] = _Pending(item, self._loop.create_future())
        self._pending.append(pending)
        if len(self._pending) == 1 or len(self._pending) >= self.max_batch:
            self._wakeup.set()
        return await pending.future

    async def close(self) -> None:
        """Refuse new items, finish the ones already queued, then stop the worker task and thread."""
        self._closing = True
        if self._task is not None:
            assert self._wakeup is not None
            self._wakeup.set()
            await asyncio.shield(self._task)
        if self._executor is not None:
            self._executor.shutdown(wait=True)

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._wakeup = asyncio.Event()
            self._slots = asyncio.Semaphore(self.workers)
            self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=f"{self.name}-batcher")
        elif loop is not self._loop:
            raise RuntimeError(f"{self.name} batcher is bound to another event loop")
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run(), name=f"{self.name}-batcher")

    async def _run(self) -> None:
        assert self._wakeup is not None
        try:
            while self._pending or not self._closing:
                if not self._pending:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                delay = self._pending[0].arrived + self.max_wait - time.monotonic()
                if len(self._pending) < self.max_batch and delay > 0 and not self._closing:
                    self._wakeup.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(delay):
                            await self._wakeup.wait()
                    continue
                await self._start_batch()
            if self._running:  # closing: let the batches in flight finish
                await asyncio.gather(*self._running)
        finally:  # only reached by cancellation of the loop or a bug: never leave a caller waiting
            while self._pending:
                waiting = self._pending.popleft().future
                if not waiting.done():
                    waiting.set_exception(BatcherClosed(f"{self.name} batcher stopped"))

    async def _start_batch(self) -> None:
        """Wait for a free worker, then run the next batch in the background."""
        assert self._slots is not None and self._loop is not None
        await self._slots.acquire()
        batch = self._take()  # taken after the wait, so items that arrived meanwhile join this batch
        task = self._loop.create_task(self._run_batch(batch))
        self._running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        assert self._slots is not None
        self._slots.release()

    def _take(self) -> list[_Pending[T, R]]:
        """Pop up to ``max_batch`` items whose callers are still waiting."""
        batch: list[_Pending[T, R]] = []
        while self._pending and len(batch) < self.max_batch:
            pending = self._pending.popleft()
            if not pending.future.done():  # a cancelled caller costs no model time
                batch.append(pending)
        return batch

    async def _run_batch(self, batch: list[_Pending[T, R]]) -> None:
        if not batch:
            return
        assert self._loop is not None
        self.batches += 1
        try:
            results = await self._loop.run_in_executor(self._executor, self.fn, [p.item for p in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"{self.name}: batch function returned {len(results)} results for {len(batch)}")
        except Exception as exc:  # the batch's callers get the error; the batcher serves the next batch
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
            return
        for pending, result in zip(batch, results, strict=True):
            if not pending.future.done():
                pending.future.set_result(result)


class EncoderBatcher:
    """Micro-batched access to an encoder: ``await embed(image)`` from any number of concurrent requests."""

    def __init__(self, encoder: Encoder, *, max_batch: int = 32, max_wait_ms: float = 5.0, workers: int = 1) -> None:
        self.encoder = encoder
        self._images: MicroBatcher[Image.Image, np.ndarray] = MicroBatcher(
            self._embed_batch, max_batch=max_batch, max_wait_ms=max_wait_ms, workers=workers,
            name=f"{encoder.name}-images",
        )

    def _embed_batch(self, images: list[Image.Image]) -> list[np.ndarray]:
        return list(self.encoder.embed_images(images))

    @property
    def batches(self) -> int:
        """Return how many encoder batches have run."""
        return self._images.batches

    async def embed(self, image: Image.Image) -> np.ndarray:
        """Return the float32 [dim] L2-normalised embedding of one decoded RGB image."""
        return await self._images.submit(image)

    async def embed_many(self, images: list[Image.Image]) -> np.ndarray:
        """Return float32 [N, dim] embeddings, sharing batches with concurrent callers."""
        if not images:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.stack(await asyncio.gather(*(self.embed(image) for image in images)))

    async def close(self) -> None:
        """Finish queued work and stop the worker thread."""
        await self._images.close()
