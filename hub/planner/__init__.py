"""The pure planner: what to write where, decided without any I/O."""

from hub.planner.guard import check_mass_change
from hub.planner.plan import plan_flow
from hub.planner.types import EndpointView, LinkPlan, Plan, PlanInput, Write

__all__ = ["EndpointView", "LinkPlan", "Plan", "PlanInput", "Write", "check_mass_change",
           "plan_flow"]
