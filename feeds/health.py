"""Operations endpoints of the feed server (I/O edge): liveness, readiness, metrics.

    GET|HEAD /healthz   200 {"status": "alive"} while the process serves requests
    GET|HEAD /readyz    200 when every readiness check passes, else 503; the JSON body
                        names each check and why it fails
    GET|HEAD /metrics   Prometheus text exposition (when the composition root gives one)

The checks and the exposition are injected (`syndicator.readiness`, `syndicator.metrics`):
this module knows neither the store nor Prometheus. Each check runs under `timeout`, so a
database that hangs makes /readyz answer 503 rather than hang too. Nothing is cached.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Check = Callable[[], Awaitable[str | None]]  # None: ready; else why not
Exposition = Callable[[], Awaitable[tuple[bytes, str]]]  # body, content type
CHECK_TIMEOUT = 5.0
NO_STORE = {"Cache-Control": "no-store"}


class Probes:
    def __init__(
        self,
        checks: Mapping[str, Check] | None = None,
        metrics: Exposition | None = None,
        *,
        timeout: float = CHECK_TIMEOUT,
    ) -> None:
        self._checks = dict(checks or {})
        self._metrics = metrics
        self._timeout = timeout

    def routes(self) -> list[Route]:
        methods = ["GET", "HEAD"]
        routes = [
            Route("/healthz", self.healthz, methods=methods),
            Route("/readyz", self.readyz, methods=methods),
        ]
        if self._metrics is not None:
            routes.append(Route("/metrics", self.metrics, methods=methods))
        return routes

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "alive"}, headers=NO_STORE)

    async def readyz(self, request: Request) -> Response:
        names = list(self._checks)
        found = await asyncio.gather(*(self._run(name) for name in names))
        failing = {name: why for name, why in zip(names, found, strict=True) if why is not None}
        body = {
            "status": "not ready" if failing else "ready",
            "not_ready": sorted(failing),
            "checks": {name: failing.get(name, "ok") for name in names},
        }
        return JSONResponse(body, status_code=503 if failing else 200, headers=NO_STORE)

    async def metrics(self, request: Request) -> Response:
        assert self._metrics is not None
        body, media_type = await self._metrics()
        return Response(body, headers=NO_STORE, media_type=media_type)

    async def _run(self, name: str) -> str | None:
        try:
            async with asyncio.timeout(self._timeout):
                return await self._checks[name]()
        except TimeoutError:
            return f"no answer within {self._timeout:g} s"
        except Exception as exc:  # a check's bug reads as "not ready", never as a 500
            return f"check failed: {type(exc).__name__}: {exc}"
