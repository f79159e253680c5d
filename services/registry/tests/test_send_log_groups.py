"""How `CopyLogWriter` forms its groups (one commit each), with the statement itself replaced
by one that records the group and waits to be released: which rows share a commit is the
writer's own rule, whatever the database. (test_send_log_copy.py writes to PostgreSQL.)"""

import asyncio
from collections.abc import Sequence

from porttrust_shared.db import utcnow
from registry.service.send_log_writer import SMALL_GROUP, CopyLogWriter, LogRow


class Held(CopyLogWriter):
    """Each group's size recorded; its commit returns when the test says."""

    def __init__(self) -> None:
        super().__init__(engine=None)  # type: ignore[arg-type]
        self.groups: list[int] = []
        self.commits: list[asyncio.Future[None]] = []

    async def _copy(self, rows: list[LogRow]) -> None:
        self.groups.append(len(rows))
        self.commits.append(asyncio.get_running_loop().create_future())
        await self.commits[-1]


def rows(n: int) -> list[LogRow]:
    return [LogRow(utcnow(), "106901234567", "44", None, "138****5678", True, True, [], None,
                   "gw", "0" * 64, k) for k in range(n)]


async def until(condition: object, passes: int = 50) -> None:
    for _ in range(passes):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the writer did not get there")


async def commit_with_a_request_ready(log: Held, ready: Sequence[LogRow]) -> asyncio.Task[None]:
    """The first commit returns, and a request that will write `ready` is ready to run in
    the same pass of the loop (as when its bytes arrive with the database's answer)."""
    log.commits[0].set_result(None)
    return asyncio.create_task(log.write(ready))


async def test_a_request_ready_when_a_commit_returns_joins_the_next_group() -> None:
    log = Held()
    first = asyncio.create_task(log.write(rows(1)))
    await until(lambda: log.groups == [1])
    second = asyncio.create_task(log.write(rows(1)))  # waits while the first commits
    await until(lambda: log._waiting)
    third = await commit_with_a_request_ready(log, rows(1))
    await until(lambda: len(log.groups) == 2)
    assert log.groups == [1, 2]  # the second and the third in one commit
    log.commits[1].set_result(None)
    await asyncio.gather(first, second, third)
    assert first.done() and second.done() and third.done()


async def test_a_group_over_the_small_size_goes_at_once() -> None:
    """A batch's rows are not held back for another request: waiting for one pass of the
    loop could put a whole batch's check before the commit."""
    log = Held()
    first = asyncio.create_task(log.write(rows(1)))
    await until(lambda: log.groups == [1])
    batch = asyncio.create_task(log.write(rows(SMALL_GROUP + 1)))
    await until(lambda: log._waiting)
    late = await commit_with_a_request_ready(log, rows(1))
    await until(lambda: len(log.groups) == 2)
    log.commits[1].set_result(None)
    await until(lambda: len(log.groups) == 3)
    log.commits[2].set_result(None)
    await asyncio.gather(first, batch, late)
    assert log.groups == [1, SMALL_GROUP + 1, 1]


async def test_every_write_is_answered_only_after_its_own_commit() -> None:
    log = Held()
    first = asyncio.create_task(log.write(rows(1)))
    await until(lambda: log.groups == [1])
    second = asyncio.create_task(log.write(rows(2)))
    await until(lambda: log._waiting)
    log.commits[0].set_result(None)
    await until(lambda: len(log.groups) == 2)
    await asyncio.sleep(0)
    assert first.done() and not second.done()
    log.commits[1].set_result(None)
    await second
