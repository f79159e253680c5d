"""Customer whitelist entries in a bulk import: a row that brings a sub-port to (or takes it
from) a protected customer sets its flag and tells whitelist, as a single registration does."""

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from registry.service.coverage import UnitChange, covered, protected_customers

if TYPE_CHECKING:
    from registry.service.imports.planner import Plan


def unit_changes(plans: "list[Plan]") -> list[UnitChange]:
    """Each created or re-assigned sub-port's unit before and after (read before writing)."""
    changes = []
    for plan in plans:
        if plan.existing is None:
            changes.append(UnitChange(plan.data.number, plan.data.province, None,
                                      plan.data.user_unit_uscc))
        elif "user_unit_uscc" in plan.values:
            changes.append(UnitChange(plan.data.number, plan.existing.province,
                                      plan.existing.user_unit_uscc,
                                      plan.values["user_unit_uscc"]))
    return changes


async def customer_covered(session: AsyncSession, plans: "list[Plan]") -> set[str]:
    """New sub-ports a customer entry of their province on their unit covers."""
    new = [p for p in plans if p.existing is None]
    found: set[str] = set()
    for province in {p.data.province for p in new}:
        here = [p for p in new if p.data.province == province]
        customers = await protected_customers(
            session, [p.data.user_unit_uscc for p in here], province=province)
        found |= {p.data.number for p in here if p.data.user_unit_uscc in customers}
    return found


async def reflag_reassigned(session: AsyncSession, plans: "list[Plan]") -> None:
    """A re-assigned sub-port's flag follows its new unit, in the same version."""
    for plan in plans:
        if plan.existing is not None and "user_unit_uscc" in plan.values:
            flag = await covered(session, plan.existing.number, plan.values["user_unit_uscc"],
                                 province=plan.existing.province)
            if flag != plan.existing.whitelisted:
                plan.values["whitelisted"] = flag
