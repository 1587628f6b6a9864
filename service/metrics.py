"""Prometheus metrics of one app: requests and latency by route and status, index size, store errors."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Metrics", "MetricsMiddleware"]

# Latency buckets for an ingest service: milliseconds for a POST, seconds for a batch.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The app's own registry (no global state: two apps in one process count apart)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._paths: Callable[[], Iterable[str]] = list
        self._templates: list[tuple[re.Pattern[str], str]] | None = None
        self.requests = Counter(
            "dedup_requests", "HTTP requests answered", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "dedup_request_seconds", "Time to answer", ["method", "route", "status"],
            buckets=_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.articles = Gauge("dedup_index_articles", "Articles in this worker's index", registry=self.registry)
        self.store_errors = Counter("dedup_store_errors", "Requests failed by the store", registry=self.registry)
        self.abandoned = Gauge(
            "dedup_abandoned_requests", "Requests whose client left; their work was stopped", registry=self.registry
        )
        self.truncated = Counter(
            "dedup_truncated_reports", "Reports cut short by the work budget", registry=self.registry
        )

    def know_routes(self, paths: Callable[[], Iterable[str]]) -> None:
        """The route templates (OpenAPI paths) to label requests with, read at the first request."""
        self._paths = paths

    def route_of(self, path: str) -> str:
        """The template `path` matches ("/v1/articles/{article_id}"), or "unmatched" (a 404)."""
        if self._templates is None:
            self._templates = [(re.compile(_pattern(t)), t) for t in self._paths()]
        return next((t for pattern, t in self._templates if pattern.fullmatch(path)), "unmatched")

    def count_abandoned(self, abandoned: Callable[[], int]) -> None:
        """Read the number of requests whose client left before the answer (their work was stopped)."""
        self.abandoned.set_function(lambda: float(abandoned()))

    def count_articles(self, size: Callable[[], int]) -> None:
        """Read the index size when scraped."""
        self.articles.set_function(lambda: float(size()))


def _pattern(template: str) -> str:
    return "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{[^}]*\})", template))


class MetricsMiddleware:
    """Counts and times every HTTP request under its route template (not its path: ids are unbounded)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            labels = (scope["method"], self.metrics.route_of(scope["path"]), str(status))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(time.perf_counter() - start)
