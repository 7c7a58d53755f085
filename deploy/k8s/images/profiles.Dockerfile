# syntax=docker/dockerfile:1.10
# Agora profiles service: `python -m agora.profiles` serves the API (AGORA_PROCESS_ROLE=api),
# `python -m agora.profiles.worker` runs the people and cards projections.
# Build from the repository root:
#   docker build -f deploy/k8s/images/profiles.Dockerfile -t agora/profiles:0.1.0 .
# The build stage installs exactly what uv.lock pins for agora-profiles (no dev tools) into a
# virtualenv; the final image holds that virtualenv on a plain Python, with no uv, pip or
# compiler, and runs as an unprivileged user.

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM python:3.11.7-slim-bookworm AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --package agora-profiles --no-dev --no-editable

FROM python:3.11.7-slim-bookworm AS runtime
# The image runs one application: the package installers go, and so does root.
RUN python -m pip uninstall --yes pip setuptools wheel \
    && groupadd --system --gid 10001 agora \
    && useradd --system --uid 10001 --gid agora --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin agora
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AGORA_HOST=0.0.0.0 \
    AGORA_PORT=8101
USER 10001:10001
WORKDIR /app
EXPOSE 8101
ENTRYPOINT ["python", "-m", "agora.profiles"]
