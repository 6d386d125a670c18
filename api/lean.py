"""What a hot route does by hand that FastAPI would do with extra thread hops.

A plain `def` dependency, a plain `def` route and the validation of a dict answer each run on a
worker thread of their own; on this project's two-core reference machine each hop cost 0.3–0.5 ms of
a capacity report that does 2 ms of database work. A hot route instead declares an `async def`
endpoint, takes its JSON body unvalidated, and makes one hop for all its database work: the checks
that must come before the body is judged (a pool another organization owns is 404, never 422), the
body's validation, the work, and the commit of the request's unit of work (api/deps.py), in that
order, on one thread. Its answers and errors are the same as FastAPI's would be.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

import anyio.to_thread
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

Model = TypeVar("Model", bound=BaseModel)
Result = TypeVar("Result")


def validated(model: type[Model], document: Any) -> Model:
    """The JSON body as `model`, or the 422 FastAPI answers for it (fields located under `body`)."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
        ) from None


# The body models of hot routes, added to the OpenAPI components (`with_body_components`).
_BODY_MODELS: dict[str, type[BaseModel]] = {}
COMPONENTS: Final = "#/components/schemas/{model}"


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a body a hot route validates itself (its `openapi_extra`): the model, by reference,
    exactly as FastAPI would document a declared body."""
    _BODY_MODELS[model.__name__] = model
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": COMPONENTS.format(model=model.__name__)}}},
        }
    }


def with_body_components(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the hot routes' body models (and the models they use) among its
    components, where FastAPI, not seeing them as bodies, left them out. FastAPI documents them
    itself, on a scratch app declaring each as a body, so they read exactly as declared bodies do."""
    scratch = FastAPI()
    for name, model in _BODY_MODELS.items():
        scratch.add_api_route(f"/{name}", _declaring(model), methods=["POST"])
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in scratch.openapi().get("components", {}).get("schemas", {}).items():
        components.setdefault(name, schema)
    # The route's own (untyped) body parameter lent the reference its title: the model's is meant.
    references = {COMPONENTS.format(model=name) for name in _BODY_MODELS}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            reference = content.get("schema", {}).get("$ref")
            if reference in references:
                content["schema"] = {"$ref": reference}
    return document


def _declaring(model: type[BaseModel]) -> Callable[..., None]:
    def endpoint(body: Any) -> None:  # pragma: no cover - never served
        del body

    endpoint.__annotations__ = {"body": model, "return": None}
    return endpoint


async def work_and_commit(session: Session, work: Callable[[], Result]) -> Result:
    """`work()` then the commit of the request's session, in one worker-thread hop.

    An error in `work` commits nothing (the session is rolled back when the request ends)."""

    def unit() -> Result:
        result = work()
        session.commit()
        return result

    return await anyio.to_thread.run_sync(unit)
