"""The micro-batcher: concurrent submits share batches, results go back to the right callers."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest
from PIL import Image

from engine.encoders.base import Encoder, HeadOutput, l2_normalise
from engine.encoders.batcher import BatcherClosed, EncoderBatcher, MicroBatcher
from engine.images.decoding import decode_image
from models.heads import DEFAULT_DIR as HEADS_DIR
from tests._support import sample_names, sample_photo


class Recorder:
    """A batch function that records its batches and can be made slow or failing."""

    def __init__(self, delay: float = 0.0, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.threads: set[str] = set()
        self.delay = delay
        self.fail_on = fail_on
        self.running = 0
        self.max_running = 0
        self._lock = threading.Lock()

    def __call__(self, items: list[int]) -> list[int]:
        with self._lock:
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            self.batches.append(list(items))
            self.threads.add(threading.current_thread().name)
            time.sleep(self.delay)
            if self.fail_on is not None and self.fail_on in items:
                raise ValueError(f"bad item {self.fail_on}")
            return [x * 10 for x in items]
        finally:
            with self._lock:
                self.running -= 1


async def test_concurrent_submits_share_few_batches_and_keep_identity() -> None:
    fn = Recorder(delay=0.01)
    batcher: MicroBatcher[int, int] = MicroBatcher(fn, max_batch=8, max_wait_ms=50)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(32)))
    await batcher.close()
    assert results == [i * 10 for i in range(32)]
    assert len(fn.batches) == 4 and all(len(b) == 8 for b in fn.batches)
    assert sorted(x for b in fn.batches for x in b) == list(range(32))
    assert fn.max_running == 1 and len(fn.threads) == 1
    assert batcher.batches == 4


async def test_workers_run_batches_side_by_side() -> None:
    fn = Recorder(delay=0.1)
    batcher: MicroBatcher[int, int] = MicroBatcher(fn, max_batch=8, max_wait_ms=20, workers=2)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(32)))
    assert results == [i * 10 for i in range(32)]
    assert sorted(x for b in fn.batches for x in b) == list(range(32))
    assert fn.max_running == 2  # two batches overlapped, never more
    late = asyncio.ensure_future(batcher.submit(99))
    await asyncio.sleep(0.03)  # its batch is running now
    await batcher.close()  # waits for the batch in flight
    assert late.done() and late.result() == 990


async def test_bad_worker_count_is_refused() -> None:
    with pytest.raises(ValueError, match="workers"):
        MicroBatcher(Recorder(), workers=0)


async def test_a_lone_request_waits_at_most_max_wait() -> None:
    fn = Recorder()
    batcher: MicroBatcher[int, int] = MicroBatcher(fn, max_batch=32, max_wait_ms=30)
    start = time.perf_counter()
    assert await batcher.submit(7) == 70
    waited = time.perf_counter() - start
    await batcher.close()
    assert 0.025 <= waited < 0.5  # it held the batch open for company, then ran it alone
    assert fn.batches == [[7]]


async def test_a_full_batch_does_not_wait() -> None:
    fn = Recorder()
    batcher: MicroBatcher[int, int] = MicroBatcher(fn, max_batch=4, max_wait_ms=5_000)
    start = time.perf_counter()
    assert await asyncio.gather(*(batcher.submit(i) for i in range(4))) == [0, 10, 20, 30]
    assert time.perf_counter() - start < 1.0
    await batcher.close()


async def test_requests_arriving_during_a_batch_form_the_next_one() -> None:
    fn = Recorder(delay=0.1)
    batcher: MicroBatcher[int, int] = MicroBatcher(fn, max_batch=32, max_wait_ms=1)
    first = asyncio.ensure_future(batcher.submit(0))
    await asyncio.sleep(0.03)  # the first batch is running now
    rest = await asyncio.gather(*(batcher.submit(i) for i in range(1, 11)))
    assert await first == 0 and rest == [i * 10 for i in range(1, 11)]
    assert fn.batches == [[0], list(range(1, 11))]
    await batcher.close()


async def test_an_error_fails_only_its_own_batch() -> None:
    fn = Recorder(delay=0.01, fail_on=3)
    batcher: MicroBatcher[int, int] = MicroBatcher(fn, max_batch=4, max_wait_ms=50)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(8)), return_exceptions=True)
    assert all(isinstance(r, ValueError) for r in results[:4])
    assert results[4:] == [40, 50, 60, 70]
    assert await batcher.submit(9) == 90  # the batcher still serves
    await batcher.close()


async def test_a_wrong_number_of_results_is_an_error_for_that_batch() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(lambda items: items[:-1], max_batch=2, max_wait_ms=1)
    with pytest.raises(RuntimeError, match="returned 1 results for 2"):
        await asyncio.gather(batcher.submit(1), batcher.submit(2))
    await batcher.close()


async def test_a_cancelled_caller_does_not_disturb_the_others() -> None:
    fn = Recorder(delay=0.05)
    batcher: MicroBatcher[int, int] = MicroBatcher(fn, max_batch=4, max_wait_ms=20)
    tasks = [asyncio.ensure_future(batcher.submit(i)) for i in range(4)]
    queued = [asyncio.ensure_future(batcher.submit(i)) for i in range(4, 7)]
    await asyncio.sleep(0.01)  # the first batch of four is running, three items wait
    tasks[1].cancel()  # cancelled while its batch runs
    queued[0].cancel()  # cancelled before its batch starts: the model never sees it
    done = await asyncio.gather(*tasks, *queued, return_exceptions=True)
    assert isinstance(done[1], asyncio.CancelledError) and isinstance(done[4], asyncio.CancelledError)
    assert [done[i] for i in (0, 2, 3, 5, 6)] == [0, 20, 30, 50, 60]
    assert fn.batches == [[0, 1, 2, 3], [5, 6]]
    await batcher.close()


async def test_close_finishes_queued_work_then_refuses_more() -> None:
    fn = Recorder(delay=0.02)
    batcher: MicroBatcher[int, int] = MicroBatcher(fn, max_batch=2, max_wait_ms=1_000)
    waiting = [asyncio.ensure_future(batcher.submit(i)) for i in range(5)]
    await asyncio.sleep(0)
    await batcher.close()
    assert [w.result() for w in waiting] == [0, 10, 20, 30, 40]
    with pytest.raises(BatcherClosed):
        await batcher.submit(1)
    await batcher.close()  # closing twice is harmless


async def test_construction_and_closing_unused_do_no_work() -> None:
    fn = Recorder()
    batcher: MicroBatcher[int, int] = MicroBatcher(fn)
    assert batcher._task is None and batcher._executor is None
    await batcher.close()
    assert fn.batches == []


class MeanColourEncoder(Encoder):
    """A small real encoder: the unit-length mean RGB of an image plus a constant, and no heads."""

    name = "mean-colour"
    dim = 4

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        self.calls.append(len(images))
        rows = [[*np.asarray(im.convert("RGB"), dtype=np.float32).mean(axis=(0, 1)) / 255, 1.0] for im in images]
        return l2_normalise(np.array(rows, dtype=np.float32))

    def tag_heads(self, embeddings: np.ndarray) -> dict[str, HeadOutput]:
        return {}


def _decoded(count: int) -> list[Image.Image]:
    photos = [sample_photo(name) for name in sample_names()[:count]]
    return [decode_image(p.data, name=p.name, max_bytes=10**8, max_pixels=10**8) for p in photos]


async def test_encoder_batcher_merges_concurrent_embeds() -> None:
    encoder = MeanColourEncoder()
    images = _decoded(6)
    batcher = EncoderBatcher(encoder, max_batch=4, max_wait_ms=50)
    vectors = await asyncio.gather(*(batcher.embed(image) for image in images))
    many = await batcher.embed_many(images[:3])
    await batcher.close()
    assert encoder.calls == [4, 2, 3] and batcher.batches == 3
    np.testing.assert_allclose(np.stack(vectors), encoder.embed_images(images), atol=1e-6)
    assert many.shape == (3, 4) and (await EncoderBatcher(encoder).embed_many([])).shape == (0, 4)


@pytest.mark.skipif(not (HEADS_DIR / "config.json").exists(), reason="the embedded tag heads are not committed yet")
async def test_encoder_batcher_matches_the_embedded_encoder(request: pytest.FixtureRequest) -> None:
    encoder = request.getfixturevalue("encoder")
    images = _decoded(6)
    batcher = EncoderBatcher(encoder, max_batch=8, max_wait_ms=50)
    one = await batcher.embed(images[0])
    many = await batcher.embed_many(images)
    await batcher.close()
    assert one.shape == (encoder.dim,) and many.shape == (6, encoder.dim)
    np.testing.assert_allclose(many, encoder.embed_images(images), atol=1e-5)
    assert batcher.batches == 2
