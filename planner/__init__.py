"""ParaReop planner: from a case to gates, causes, ranked locations, operations and next tests.

>>> from planner import plan_dict  # doctest: +SKIP
"""

from planner.pipeline import plan, plan_dict

__all__ = ["plan", "plan_dict"]
