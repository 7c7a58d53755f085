"""Running a service's app under uvicorn."""

from typing import Protocol, TypeVar

import uvicorn
from fastapi import FastAPI

from agora.servicekit.gc_tuning import freeze_long_lived_objects, tune_garbage_collector
from agora.servicekit.logging import configure_logging
from agora.servicekit.settings import ServiceSettings

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
SettingsT_contra = TypeVar("SettingsT_contra", bound=ServiceSettings, contravariant=True)


class AppFactory(Protocol[SettingsT_contra]):
    """Builds a service's app from its settings, e.g. a service's `create_app`."""

    def __call__(self, *, settings: SettingsT_contra) -> FastAPI:
        """Return the app configured by `settings`."""
        ...


def run(
    *,
    app_factory: AppFactory[SettingsT],
    settings: SettingsT,
    graceful_shutdown_seconds: int | None = None,
) -> None:
    """Serve the app on the settings' host and port until the process is stopped.

    On SIGTERM uvicorn waits for the answers in progress; ``graceful_shutdown_seconds`` bounds
    that wait (then they are cut), which a server of never-ending answers (event streams) needs.
    """
    # Before uvicorn starts, so its own startup lines are JSON too.
    configure_logging(service_name=settings.service_name, level=settings.log_level)
    tune_garbage_collector()
    app = app_factory(settings=settings)
    freeze_long_lived_objects()  # the modules and the app, alive as long as the process
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        # "auto" takes some startup errors for "lifespan unsupported" and serves without it.
        lifespan="on",
        proxy_headers=settings.proxy_headers,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        timeout_graceful_shutdown=graceful_shutdown_seconds,
    )
