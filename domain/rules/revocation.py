"""Revoking the scholarship status: the seeds' ground and CIP's.

The seeds name one ground: the contracts not signed within 90 calendar days of the award
(000 lines 45-47, «мәртебесінен айырылады»; ruleset ``contract-deadline``). Every other ground
an officer may revoke for is CIP policy (ruleset ``cip-policy-status-revocation``).
"""

from __future__ import annotations

from domain.rules import catalog, contract_deadline

POLICY_ID = "cip-policy-status-revocation"
DEADLINE_MISSED = "contract_deadline_missed"  # RevocationReason.CONTRACT_DEADLINE_MISSED


def rulesets_for(reason: str) -> tuple[str, ...]:
    """The rulesets a revocation for ``reason`` (a RevocationReason value) rests on, for its
    decision basis: none for a reason neither the seeds nor the policy name."""
    if reason == DEADLINE_MISSED:
        return (contract_deadline.RULESET_ID,)
    if reason in catalog.get(POLICY_ID).data["reasons"]:
        return (POLICY_ID,)
    return ()
