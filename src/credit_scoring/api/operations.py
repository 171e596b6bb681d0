"""Routes declared with their Pydantic models, which both validate requests and make the OpenAPI document.

``Operations.route`` registers a Flask view on a blueprint and records its query model, body model,
response model, error statuses and the scope a key needs to call it (`credit_scoring.access.roles`). The
view receives the validated ``query`` and ``body`` models and returns a response model (serialised by
Pydantic), a dict, or a Flask response. `openapi_document` turns the records into an OpenAPI 3.1 document:
nothing is written by hand beside the code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from credit_scoring.access.roles import SCOPES, Scope
from credit_scoring.api.errors import HTTP_CODES, ApiError, is_malformed_json, validation_details
from credit_scoring.api.schemas import ErrorResponse
from credit_scoring.api.security import API_KEY_HEADER

JSON = "application/json"


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    description: str
    tag: str
    query: type[BaseModel] | None
    body: Callable[[], type[BaseModel]] | type[BaseModel] | None
    response: type[BaseModel] | None
    errors: tuple[int, ...]
    auth: bool
    media_type: str | tuple[str, ...] = JSON
    """What a 200 without a response model is: one media type, or several (e.g. a letter in HTML or PDF)."""
    scope: Scope | None = None
    """What a key needs to call it; None: any valid key (or none at all when ``auth`` is false)."""

    def body_model(self) -> type[BaseModel] | None:
        if self.body is None or isinstance(self.body, type):
            return self.body
        return self.body()


@dataclass
class Operations:
    """The blueprint and what each of its routes accepts and answers."""

    blueprint: Blueprint
    items: list[Operation] = field(default_factory=list)

    def route(
        self,
        rule: str,
        method: str = "GET",
        *,
        summary: str,
        tag: str,
        response: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        body: Callable[[], type[BaseModel]] | type[BaseModel] | None = None,
        errors: Sequence[int] = (),
        auth: bool = True,
        media_type: str | tuple[str, ...] = JSON,
        scope: Scope | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        if scope is not None and (scope not in SCOPES or not auth):
            raise ValueError(f"{rule}: scope {scope!r} needs auth=True and one of {', '.join(SCOPES)}")

        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            operation = Operation(
                rule=rule,
                method=method,
                endpoint=view.__name__,
                summary=summary,
                description=(view.__doc__ or "").strip(),
                tag=tag,
                query=query,
                body=body,
                response=response,
                errors=tuple(
                    sorted(
                        {
                            *errors,
                            # 503: the database keys cannot be checked; 429: above the rate limit
                            *((401, 429, 503) if auth else ()),
                            *((403,) if scope else ()),
                            *((422,) if query or body else ()),
                        }
                    )
                ),
                auth=auth,
                media_type=media_type,
                scope=scope,
            )

            @functools.wraps(view)
            def handle(**path_values: Any) -> Any:
                arguments = dict(path_values)
                if operation.query is not None:
                    arguments["query"] = parse_query(operation.query)
                body_model = operation.body_model()
                if body_model is not None:
                    arguments["body"] = parse_body(body_model)
                result = view(**arguments)
                if isinstance(result, BaseModel):
                    return Response(result.model_dump_json(), status=200, mimetype=JSON)
                return result

            handle.operation = operation  # type: ignore[attr-defined]
            self.blueprint.add_url_rule(rule, view.__name__, handle, methods=[method])
            self.items.append(operation)
            return view

        return register


def parse_query(model: type[BaseModel]) -> BaseModel:
    """The query string validated by ``model`` (unknown parameters are rejected by name)."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise ApiError(422, "invalid query parameters", validation_details(error)) from None


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The JSON body validated by ``model``: 415 if not JSON, 400 if malformed, 422 if invalid."""
    if request.mimetype != JSON:
        raise ApiError(415, f"the request body must be {JSON} (got {request.mimetype or 'no content type'})")
    data = request.get_data(cache=True)
    if not data.strip():
        raise ApiError(400, "the request body is empty: send a JSON object")
    try:
        return model.model_validate_json(data)
    except ValidationError as error:
        if is_malformed_json(error):
            details = [(None, problem) for _, problem in validation_details(error)]
            raise ApiError(400, "the request body is not valid JSON", details) from None
        raise ApiError(
            422, "the request does not match the expected fields", validation_details(error)
        ) from None


# --- OpenAPI -------------------------------------------------------------------------------------------

_PATH_PARAMETER = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>\w+)>")
_TEXT_SCHEMA = {"type": "string"}
_BINARY_SCHEMA = {"type": "string", "format": "binary"}
_CONVERTER_SCHEMAS = {"int": {"type": "integer", "minimum": 0}, "float": {"type": "number"}}


def _openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    parameters = [
        {
            "name": match["name"],
            "in": "path",
            "required": True,
            "schema": _CONVERTER_SCHEMAS.get(match["converter"] or "", {"type": "string"}),
        }
        for match in _PATH_PARAMETER.finditer(rule)
    ]
    return _PATH_PARAMETER.sub(lambda match: "{" + match["name"] + "}", rule), parameters


def _query_parameters(model: type[BaseModel], ref_template: str) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=ref_template)
    required = set(schema.get("required", []))
    parameters = []
    for name, property_schema in schema["properties"].items():
        description = property_schema.pop("description", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": property_schema}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _access(operation: Operation) -> str:
    """What the operation's description says about the key it needs."""
    if not operation.auth:
        return "Needs no API key."
    if operation.scope is None:
        return "Needs a valid API key (any scope)."
    return f"Needs an API key with the scope `{operation.scope}` (403 without it)."


def openapi_document(operations: Operations, prefix: str, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the recorded routes, schemas generated from their Pydantic models."""
    ref_template = "#/components/schemas/{model}"
    models: list[tuple[type[BaseModel], str]] = [(ErrorResponse, "serialization")]
    for operation in operations.items:
        body = operation.body_model()
        if body is not None:
            models.append((body, "validation"))
        if operation.response is not None:
            models.append((operation.response, "serialization"))
    refs, definitions = models_json_schema(models, ref_template=ref_template)
    error_ref = refs[(ErrorResponse, "serialization")]
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations.items:
        path, parameters = _openapi_path(prefix + operation.rule)
        if operation.query is not None:
            parameters += _query_parameters(operation.query, ref_template)
        entry: dict[str, Any] = {
            "operationId": operation.endpoint,
            "summary": operation.summary,
            "tags": [operation.tag],
            "parameters": parameters,
            "responses": {},
        }
        description = "\n\n".join(part for part in (operation.description, _access(operation)) if part)
        if description:
            entry["description"] = description
        if operation.auth:
            entry["x-scope"] = operation.scope
        body = operation.body_model()
        if body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {JSON: {"schema": refs[(body, "validation")]}},
            }
        if operation.response is not None:
            success = {JSON: {"schema": refs[(operation.response, "serialization")]}}
        else:
            media_types = (
                (operation.media_type,) if isinstance(operation.media_type, str) else operation.media_type
            )
            success = {
                media_type: {"schema": _TEXT_SCHEMA if media_type.startswith("text/") else _BINARY_SCHEMA}
                for media_type in media_types
            }
        entry["responses"]["200"] = {"description": "OK", "content": success}
        for status in operation.errors:
            entry["responses"][str(status)] = {
                "description": HTTP_CODES.get(status, "error").replace("_", " "),
                "content": {JSON: {"schema": error_ref}},
            }
        entry["security"] = [{"ApiKeyAuth": []}] if operation.auth else []
        paths.setdefault(path, {})[operation.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": (
                "Scores loan applications with the champion model of the MLflow registry, explains the "
                "scores and records every decision. Errors are JSON: "
                '{"error": {"code", "message", "details": [{"field", "problem"}]}}.'
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "ApiKeyAuth": {
                    "type": "apiKey",
                    "in": "header",
                    "name": API_KEY_HEADER,
                    "description": (
                        "A configured key has every scope; a key of the database has its own "
                        f"({', '.join(SCOPES)}): an operation's x-scope names the one it needs."
                    ),
                }
            },
        },
    }


def current_operation() -> Operation | None:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "operation", None)


def enumerate_parameter(document: dict[str, Any], path_part: str, names: set[str], values: list[str]) -> None:
    """Give the query parameters ``names`` of the paths containing ``path_part`` their allowed ``values``
    (known once the data is loaded, e.g. the population routes' feature names)."""
    for path, item in document["paths"].items():
        if path_part not in path:
            continue
        for entry in item.values():
            for parameter in entry.get("parameters", []):
                if parameter["name"] in names:
                    parameter["schema"] = {**parameter["schema"], "enum": list(values)}
