"""The OpenAPI 3.1 document of /api, generated from the routes and their pydantic models.

A handler states its contract where it is written:

    @documented(response=LevelsResponse, query=LimitQuery)
    async def api_levels(request): ...

and `openapi_document(app)` walks the app's router: every /api route it serves appears with
the schemas of its query, body and response, the bearer security scheme and the error shape.
Adding a route is its `add_get` line plus the decorator; a test fails for a route without one.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from notifier import __version__
from notifier.config import TokenScope
from notifier.web.api_models import ErrorResponse, OpenApiDocument
from notifier.web.auth import OPEN_API_PATHS, READ_METHODS

REF = "#/components/schemas/{model}"
API_PREFIX = "/api/"


@dataclass(frozen=True)
class ApiContract:
    """What one handler takes and answers."""

    response: type[BaseModel]
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    path_params: tuple[tuple[str, str], ...] = ()
    errors: tuple[int, ...] = ()  # more error statuses it may answer (409 …)


CONTRACT_ATTR = "__api_contract__"
H = TypeVar("H", bound=Callable[..., Any])


def documented(
    *,
    response: type[BaseModel],
    status: int = 200,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    path_params: dict[str, str] | None = None,
    errors: tuple[int, ...] = (),
) -> Callable[[H], H]:
    """Attach a handler's contract (response model, query and body models, path parameters,
    error statuses beyond those every route of its kind may answer)."""
    contract = ApiContract(
        response, status, query, body, tuple((path_params or {}).items()), errors
    )

    def mark(handler: H) -> H:
        setattr(handler, CONTRACT_ATTR, contract)
        return handler

    return mark


def contract_of(handler: Any) -> ApiContract | None:
    return getattr(handler, CONTRACT_ATTR, None)


def api_routes(app: web.Application) -> list[tuple[str, str, Any]]:
    """(method, path, handler) of every /api route the app serves (HEAD twins left out)."""
    out = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith(API_PREFIX) and route.method != "HEAD":
            out.append((route.method, path, route.handler))
    return out


def openapi_document(app: web.Application) -> dict[str, Any]:
    contracts = []
    for method, path, handler in api_routes(app):
        contract = contract_of(handler)
        if contract is None:
            raise LookupError(f"{method} {path} has no @documented contract")
        contracts.append((method, path, handler, contract))
    models: list[tuple[type[BaseModel], Any]] = [(ErrorResponse, "serialization")]
    for *_, contract in contracts:
        models.append((contract.response, "serialization"))
        if contract.body is not None:
            models.append((contract.body, "validation"))
    keys, defs = models_json_schema(models, ref_template=REF)
    schemas = defs.get("$defs", {})

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return dict(keys[(model, mode)])  # type: ignore[index]

    error = {
        "description": "An error",
        "content": {"application/json": {"schema": ref(ErrorResponse, "serialization")}},
    }
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler, contract in contracts:
        doc = inspect.getdoc(handler) or handler.__name__
        summary, _, description = doc.partition("\n\n")
        operation: dict[str, Any] = {
            "operationId": handler.__name__,
            "summary": " ".join(summary.split()),
            "parameters": _parameters(path, contract),
            "responses": {
                str(contract.status): {
                    "description": contract.response.__doc__ or "OK",
                    "content": {
                        "application/json": {"schema": ref(contract.response, "serialization")}
                    },
                },
            },
        }
        if description:
            operation["description"] = " ".join(description.split())
        if contract.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(contract.body, "validation")}},
            }
        if path in OPEN_API_PATHS:
            operation["security"] = []
        else:
            needed = TokenScope.READ if method in READ_METHODS else TokenScope.ADMIN
            operation["x-scope"] = needed.value
            for status in ("401", "403", "429"):
                operation["responses"][status] = error
        if contract.query is not None or contract.body is not None or "{" in path:
            operation["responses"].setdefault("400", error)
        if contract.body is not None:
            operation["responses"]["422"] = error  # the body names something unknown
        if "{" in path:
            operation["responses"]["404"] = error
        for code in contract.errors:
            operation["responses"][str(code)] = error
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "notifier API",
            "version": __version__,
            "description": (
                "Threat levels, events, deliveries, sources, review and subscribers of a notifier "
                "service. Send `Authorization: Bearer <token>`: GET needs the read scope, "
                'anything else admin. Errors are `{"error": {"code", "message"}}`.'
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


_PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^{}]*)?\}")


def _parameters(path: str, contract: ApiContract) -> list[dict[str, Any]]:
    described = dict(contract.path_params)
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": described.get(name, ""),
        }
        for name in _PATH_PARAM.findall(path)
    ]
    if contract.query is not None:
        schema = contract.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", ()))
        for name, prop in schema.get("properties", {}).items():
            prop = dict(prop)
            description = prop.pop("description", "")
            prop.pop("title", None)
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "schema": _inline(prop, schema.get("$defs", {})),
                    "description": description,
                }
            )
    return params


def _inline(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Replace refs to a query model's own $defs (enums) by their body: parameters stand alone."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return {k: v for k, v in defs.get(name, {}).items() if k != "title"}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if isinstance(value, list):
            out[key] = [_inline(v, defs) if isinstance(v, dict) else v for v in value]
        elif isinstance(value, dict):
            out[key] = _inline(value, defs)
        else:
            out[key] = value
    return out


# Filled at the first request: the router is complete by then and never changes again.
OPENAPI_CACHE: web.AppKey[dict[str, Any]] = web.AppKey("openapi_cache", dict)


def add_openapi_route(app: web.Application) -> None:
    app[OPENAPI_CACHE] = {}
    app.router.add_get("/api/openapi.json", api_openapi)


@documented(response=OpenApiDocument)
async def api_openapi(request: web.Request) -> web.Response:
    """This OpenAPI 3.1 document (open: it holds no data, only the shapes)."""
    cache = request.app[OPENAPI_CACHE]
    if "doc" not in cache:
        cache["doc"] = openapi_document(request.app)
    return web.json_response(cache["doc"])
