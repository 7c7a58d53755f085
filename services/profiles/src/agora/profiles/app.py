"""The profiles service's app factory: routes, problems, and the runtime in the lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opentelemetry.trace import TracerProvider

from agora.profiles.api.admin import admin_router
from agora.profiles.api.me import me_router
from agora.profiles.api.openapi import keep_null_examples
from agora.profiles.api.people import people_router
from agora.profiles.api.problems import profiles_problems
from agora.profiles.bootstrap import Runtime, open_runtime
from agora.profiles.settings import ProfilesSettings
from agora.servicekit import create_app
from agora.servicekit.identity import JwtVerifier
from agora.servicekit.workers import RunningWorkers, running


def create_profiles_app(
    *, settings: ProfilesSettings, tracer_provider: TracerProvider | None = None
) -> FastAPI:
    """The profiles API; its lifespan opens the runtime and runs the relay, projection and cards
    (only the relay in the `api` role; the `worker` role serves no routes)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            open_runtime(settings) as runtime,
            running(runtime.workers.for_role(settings.process_role)) as workers,
        ):
            app.state.runtime = runtime
            app.state.workers = workers
            yield

    async def database_ready() -> None:
        runtime: Runtime = app.state.runtime
        await runtime.database.command("ping")

    async def workers_alive() -> None:
        workers: RunningWorkers = app.state.workers
        await workers.check_alive()

    # The "me" routes come first so that /people/me is never read as a person id.
    routers = [admin_router(), me_router(), people_router()]
    app = create_app(
        settings=settings,
        routers=routers,
        readiness_checks={"database": database_ready},
        liveness_checks={"workers": workers_alive},
        lifespan=lifespan,
        problems=profiles_problems(),
        tracer_provider=tracer_provider,
        title="Agora profiles",
    )
    app.state.token_verifier = JwtVerifier.from_settings(settings)
    keep_null_examples(app, routers)
    return app
