from fastapi import APIRouter
from fastapi.responses import JSONResponse

from porttrust_shared.deps import SessionDep
from porttrust_shared.idempotency import IdempotencyDep
from registry.deps import Checker, Reader, problems
from registry.schemas.records import ClearIn, InaccuracyIn, InaccuracyRead
from registry.service import inaccuracies as svc

router = APIRouter(tags=["sub-ports"])


@router.post("/v1/sub-ports/{number}/inaccuracies", status_code=201,
             response_model=InaccuracyRead, responses=problems(403, 404, 422))
async def flag_inaccuracy(number: str, data: InaccuracyIn, session: SessionDep,
                          actor: Checker, idem: IdempotencyDep) -> JSONResponse:
    """Flag a field found wrong on checking: the record is incomplete until it changes."""

    async def produce() -> InaccuracyRead:
        flag, sub = await svc.flag_inaccuracy(session, number=number, data=data, actor=actor)
        return svc.to_read(flag, sub)

    return await idem.run(produce)


@router.get("/v1/sub-ports/{number}/inaccuracies", responses=problems(403, 404))
async def list_inaccuracies(number: str, session: SessionDep,
                            actor: Reader) -> list[InaccuracyRead]:
    """Every inaccuracy flag of the sub-port and its state now."""
    return await svc.list_inaccuracies(session, number=number, actor=actor)


@router.post("/v1/inaccuracies/{flag_id}/clear", responses=problems(403, 404, 409))
async def clear_inaccuracy(flag_id: str, data: ClearIn, session: SessionDep,
                           actor: Checker) -> InaccuracyRead:
    """Clear a flag: the data is right after all. Not by the person who flagged it."""
    flag, sub = await svc.clear_inaccuracy(session, flag_id=flag_id, reason=data.reason,
                                           actor=actor)
    return svc.to_read(flag, sub)
