"""The API's part of the audit trail: every consultation of client data and every decision served is
recorded (who: the key's name, or the person the dashboard acts for; what; which client; from which address;
the request id) before the answer leaves. While the database is down, the events go to this host's audit
spool (synced to disk, inserted once the database is back: `credit_scoring.access.audit`) and the answer goes
out. When neither the database nor the spool can record them, the answer is withheld (503, its details name
``audit_unavailable``): data nobody can account for is not shown. A refused call (401, 403) is recorded as
``access.denied``; if that record fails, the refusal still goes out.

What a route consulted is noted by the route itself (`note_clients`), since only it knows which clients a
prediction or a search concerned; the rest comes from the request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, g, request

from credit_scoring.access import audit
from credit_scoring.access.audit import AuditEvent, AuditTrail, AuditUnavailable, storable_client_id
from credit_scoring.api.errors import json_error

logger = logging.getLogger(__name__)

#: The routes whose successful answers show client data (view name -> action).
CONSULTATIONS: dict[str, str] = {
    "search_clients": audit.CLIENTS_SEARCH,
    "client_info": audit.CLIENT_VIEW,
    "client_score": audit.CLIENT_SCORE,
    "similar_clients": audit.CLIENT_SIMILAR,
    "feature_distribution": audit.CLIENT_COMPARE,
    "feature_scatter": audit.CLIENT_COMPARE,
    "predict": audit.DECISION_SERVED,
    "predict_batch": audit.DECISION_SERVED,
    "counterfactual": audit.CLIENT_COUNTERFACTUAL,
    "client_letter": audit.CLIENT_LETTER,
    "application_letter": audit.CLIENT_LETTER,
}
_NOTED = "audit_noted"
_ACTION = "audit_action"


def note_clients(items: Iterable[tuple[int | None, str | None, dict[str, Any] | None]]) -> None:
    """What this request showed: (client id, request id of the item, detail) per client or decision."""
    setattr(g, _NOTED, [*getattr(g, _NOTED, []), *items])


def note_action(action: str) -> None:
    """What this request did, when it is not its route's usual action (a simulation is not a decision)."""
    setattr(g, _ACTION, action)


def consultation_events(
    action: str,
    actor: str,
    actor_kind: str,
    *,
    via_key: str | None,
    address: str | None,
    request_id: str | None,
    noted: Sequence[tuple[int | None, str | None, dict[str, Any] | None]],
    client_id: int | None,
) -> list[AuditEvent]:
    """The events of one successful consultation: one per noted item, else one for the request (a person's
    events name the key their client called with)."""
    items = noted or [(client_id, request_id, None)]
    via = {"via_key": via_key} if via_key else {}
    return [
        AuditEvent(
            actor=actor,
            actor_kind=actor_kind,
            action=action,
            outcome="ok",
            client_id=item_client,
            address=address,
            request_id=item_request or request_id,
            detail={**(detail or {}), **via} or None,
        )
        for item_client, item_request, detail in items
    ]


def _client_of_request() -> int | None:
    """The client the request names (path or query), when it is a storable id; a refused call may name
    anything."""
    value = (request.view_args or {}).get("client_id", request.args.get("client_id"))
    try:
        client_id = int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return client_id if storable_client_id(client_id) else None


def record_answer(response: Response, trail: AuditTrail) -> Response:
    """Record what ``response`` shows or refuses; a 503 instead of data that cannot be recorded."""
    view = (request.endpoint or "").split(".")[-1]
    key = getattr(g, "api_key_name", None)
    person = getattr(g, "acting_user", None)
    actor = person.name if person else key or audit.UNKNOWN_ACTOR
    kind = "user" if person else "key"
    address, request_id = request.remote_addr, getattr(g, "request_id", None)
    if response.status_code in (401, 403):
        denied = AuditEvent(
            actor=actor,
            actor_kind=kind if actor != audit.UNKNOWN_ACTOR else "anonymous",
            action=audit.ACCESS_DENIED,
            outcome="denied",
            client_id=_client_of_request(),
            address=address,
            request_id=request_id,
            detail={"route": f"{request.method} {request.path}", "status": response.status_code}
            | ({"via_key": key} if person else {}),
        )
        try:
            trail.record(denied)
        except AuditUnavailable as error:
            logger.error("A refused call could not be recorded: %s", error)
        return response
    action = getattr(g, _ACTION, None) or CONSULTATIONS.get(view)
    if action is None or response.status_code >= 300:
        return response
    events = consultation_events(
        action,
        actor,
        kind,
        via_key=key if person else None,
        address=address,
        request_id=request_id,
        noted=getattr(g, _NOTED, []),
        client_id=_client_of_request(),
    )
    try:
        trail.record_many(events)
    except AuditUnavailable as error:
        logger.error("Answer withheld: the audit trail cannot record it (%s)", error)
        return json_error(
            503,
            "the audit trail cannot record this consultation (its database and its spool refuse): "
            "the answer is withheld",
            [{"field": None, "problem": "audit_unavailable"}],
        )
    return response
