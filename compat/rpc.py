"""Alibaba Cloud RPC plumbing shared by the ICE and MPS endpoints: `Action` in the query or form,
parameters as strings, a `RequestId` in every answer, JSON (or XML with `Format=XML`), and errors as
{RequestId, HostId, Code, Message} with an HTTP status."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from compat import limits
from compat.auth import rpc_user
from compat.errors import CompatError, outage_error
from compat.signatures_v3 import is_v3
from core import xml
from core.errors import DATABASE_RETRY_AFTER_SECONDS, ApiError
from core.roles import Role, has_role
from libraries.access import Scope, scope_for


class RpcError(CompatError):
    pass


@dataclass
class Call:
    request: object
    params: dict[str, str]
    user: object
    # What the caller sees: signed or token requests always carry the token's library limit.
    scope: Scope

    @property
    def request_id(self) -> str:
        return self.request.request_id

    def get(self, name: str, default: str = "") -> str:
        return self.params.get(name, default)

    def required(self, name: str) -> str:
        value = self.params.get(name, "").strip()
        if not value:
            raise RpcError(
                f"MissingParameter.{name}",
                f'The input parameter "{name}" that is mandatory for this request is not supplied.',
            )
        return value

    def ids(self, name: str, limit: int) -> list[str]:
        parts = [p.strip() for p in self.params.get(name, "").split(",") if p.strip()]
        if len(parts) > limit:
            raise RpcError(f"InvalidParameter.{name}", f"{name}: at most {limit} comma-separated values.")
        return list(dict.fromkeys(parts))

    def json_object(self, name: str) -> dict:
        """A parameter that is a JSON object (the SDKs send objects as JSON strings), or the old
        flattened form `Name.Key=value`."""
        raw = self.params.get(name, "")
        if raw:
            try:
                value = json.loads(raw)
            except ValueError as exc:
                raise RpcError(f"InvalidParameter.{name}", f"{name} is not valid JSON.") from exc
            if not isinstance(value, dict):
                raise RpcError(f"InvalidParameter.{name}", f"{name} must be a JSON object.")
            return value
        prefix = f"{name}."
        return {k[len(prefix) :]: v for k, v in self.params.items() if k.startswith(prefix)}


@dataclass(frozen=True)
class Action:
    handler: Callable[[Call], dict]
    role: Role


def _params(request) -> dict[str, str]:
    """The query string and the form body; with signature V3 the action comes in `x-acs-action`."""
    if is_v3(request):
        request.body  # noqa: B018 - kept before the form is parsed: the signature covers its hash
    params = {k: v for k, v in request.GET.items()}
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        params.update({k: v for k, v in request.POST.items()})
    header_action = request.META.get("HTTP_X_ACS_ACTION", "")
    if header_action and params.setdefault("Action", header_action) != header_action:
        raise RpcError("InvalidParameter.Action", "The Action parameter and the x-acs-action header differ.")
    return params


def _refuse_nul(params: dict[str, str]) -> None:
    """No stored text can hold a NUL character (PostgreSQL refuses it; answers in XML cannot carry it)."""
    for name, value in params.items():
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "\\0")
            raise RpcError(f"InvalidParameter.{shown}", f"{shown} contains a NUL character.")


def _code_for(exc: ApiError) -> str:
    # The references name a missing resource InvalidParameter.ResourceNotFound; native codes say which.
    if exc.error_code.startswith("ResourceNotFound"):
        return "InvalidParameter.ResourceNotFound"
    return exc.error_code


def respond(request, body: dict, fmt: str, root: str, http_status: int = 200) -> HttpResponse:
    if fmt == "XML":
        return HttpResponse(xml.render(root, body), status=http_status, content_type="application/xml")
    return JsonResponse(body, status=http_status, json_dumps_params={"ensure_ascii": False})


def error_response(request, fmt: str, code: str, message: str, http_status: int) -> HttpResponse:
    body = {"RequestId": request.request_id, "HostId": request.get_host(), "Code": code, "Message": message}
    response = respond(request, body, fmt, "Error", http_status)
    if code.startswith("Throttling"):
        response["Retry-After"] = limits.retry_after()
    return response


def endpoint(product: str, actions: dict[str, Action]):
    """One URL serving every action of a product, as the cloud's RPC endpoints do."""

    @csrf_exempt
    def view(request):
        fmt = "JSON"
        try:
            params = _params(request)
            fmt = params.get("Format", "JSON").upper()
            _refuse_nul(params)
            if fmt not in ("JSON", "XML"):
                fmt = "JSON"
                raise RpcError("InvalidParameter.Format", "Format: JSON or XML.")
            if request.method not in ("GET", "POST"):
                raise RpcError("UnsupportedHTTPMethod", "Use GET or POST.", 405)
            name = params.get("Action", "")
            if not name:
                raise RpcError("MissingParameter.Action", "The Action parameter names the operation.")
            action = actions.get(name)
            if action is None:
                raise RpcError(
                    "InvalidAction.NotFound",
                    f"{product} has no action {name!r}; it has {', '.join(sorted(actions))}.",
                    404,
                )
            # Signed over the path the client saw: this one, or `/` behind a proxy mapping a host's root.
            user = rpc_user(request, params, [request.path, "/"])
            if not has_role(user, action.role):
                raise RpcError("Forbidden.RAM", f"{name} needs the {action.role.group} role.", 403)
            if limits.over_limit(user.pk, f"{product}:{name}"):
                raise RpcError("Throttling.User", "Request was denied due to user flow control.", 429)
            call = Call(request, params, user, scope_for(user, by_token=True))
            body = {"RequestId": request.request_id, **action.handler(call)}
            return respond(request, body, fmt, f"{name}Response")
        except CompatError as exc:
            return error_response(request, fmt, exc.code, exc.message, exc.http_status)
        except ApiError as exc:
            return error_response(request, fmt, _code_for(exc), exc.message, exc.status_code)
        except (DatabaseError, OSError) as exc:  # an outage (the database away, the disk full) or a bug
            outage = outage_error(exc)
            if outage is None:
                raise
            response = error_response(request, fmt, outage.code, outage.message, outage.http_status)
            if outage.http_status == 503:
                response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
            return response

    view.__name__ = f"{product.lower()}_rpc"
    view.own_error_shape = True  # its parameters are checked here (_refuse_nul), errors in its shape
    return view
