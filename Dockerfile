# One image for the web process and the workers; the command decides which:
#   docker run IMAGE                                   -> web (ASGI, HTTP + WebSockets)
#   docker run --restart unless-stopped IMAGE python manage.py worker --queues cpu
#                                                      -> a worker, restarted when it dies
# Scale-out needs DATABASE_URL, CONVEYOR_BROKER_URL, CONVEYOR_CHANNELS_URL and a shared
# volume at CONVEYOR_HOME (artifacts and the component store).

FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CONVEYOR_HOME=/data
# The step sandbox (docs/security.md). The image runs as an unprivileged user, so bwrap
# needs user namespaces inside the container: Docker's default seccomp and AppArmor
# profiles refuse them, and its masked /proc paths stop a fresh /proc mount. Run with
#   --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#   --security-opt systempaths=unconfined
# (or a seccomp profile that allows unshare/clone with CLONE_NEWUSER). Without them the
# server says at start-up and in the UI that the sandbox cannot start, and refuses runs
# of non-staff users unless CONVEYOR_ALLOW_UNSANDBOXED=1. (Run as root, steps drop root
# with util-linux's setpriv: the conveyor-step-drop helper that `make install` compiles is
# not built here, since the image's user needs no privilege drop.)
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 conveyor && mkdir /data && chown conveyor /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY designer/ designer/
COPY conveyor/ conveyor/
RUN pip install --no-cache-dir -e .
COPY manage.py ./
COPY components/ components/
COPY --from=frontend /src/frontend/dist frontend/dist
RUN CONVEYOR_HOME=/tmp/build python manage.py collectstatic --noinput \
    && mv /tmp/build/static /app/static && rm -rf /tmp/build
ENV CONVEYOR_STATIC_ROOT=/app/static
USER conveyor
VOLUME ["/data"]
EXPOSE 8000
CMD ["python", "manage.py", "serve", "--host", "0.0.0.0", "--port", "8000"]
