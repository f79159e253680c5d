from fastapi import APIRouter

from porttrust_shared.deps import ReadSessionDep
from registry.deps import Reader
from registry.schemas.ports import NumberRead
from registry.service import numbers as svc

router = APIRouter(tags=["ports"])


@router.get("/v1/numbers/{number}")
async def get_number(number: str, session: ReadSessionDep, actor: Reader) -> NumberRead:
    """The registered port or sub-port a number is (its longest registered match) and its
    province; another province's answers 404 to a province-bound caller."""
    return await svc.find_number(session, number=number, actor=actor)
