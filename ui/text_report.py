"""A plan as a short text a surgeon can scan at a terminal."""

from __future__ import annotations

from typing import Any


def render(plan: dict[str, Any]) -> str:
    if "error" in plan:
        return f"{plan['case_file']}: INVALID: {plan['error']}"
    lines = [f"== {plan['case_id']}: {plan['decision'].upper()} ({plan['diagnosis'].replace('_', ' ')})"]
    for g in plan["gates"]:
        lines.append(f"  [{g['status']:>7}] {g['id']}: {g['message']}")
    if plan["suspected_causes"]:
        lines.append(
            "  causes: "
            + ", ".join(f"{c['cause']} {c['probability']:.0%}" for c in plan["suspected_causes"][:4])
        )
    for loc in plan["locations"][:5]:
        lines.append(f"  #{loc['rank']} {loc['site']} {loc['side'] or ''} {loc['probability']:.0%}")
    for op in plan["operations"][:3]:
        lines.append(
            f"  op {op['rank']}: {op['operation']} -> {op.get('site') or ''} {op.get('side') or ''} "
            f"(adjuncts: {', '.join(op.get('adjuncts') or []) or 'none'})"
        )
    for t in plan["next_tests"][:4]:
        lines.append(f"  test {t['rank']}: {t['test']}: {t['reason']}")
    for w in plan.get("warnings") or []:
        lines.append(f"  ! {w}")
    return "\n".join(lines)
