# `sentinel serve` for docker-compose.elk.yml (or any container platform).
# Two stages so the image holds the installed virtualenv and nothing used to build it.
# The build stage makes the same artifact CI tests (`make wheel`): `python -m build`
# builds the sdist and the wheel from it, and the venv gets the wheel, not the source
# tree, so the image runs exactly what tests/wheel ran (rules, dashboards, templates and
# static files are package data inside that wheel).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY sentinel ./sentinel
RUN python -m venv /opt/build && /opt/build/bin/pip install "build>=1.2" \
    && /opt/build/bin/python -m build --outdir /dist . \
    && python -m venv /opt/sentinel && /opt/sentinel/bin/pip install /dist/*.whl

FROM python:3.11-slim
# The daemon listens on all interfaces inside the container; publish the port on the
# host deliberately (docker-compose.elk.yml binds it to 127.0.0.1). The spool and the
# fallback subject key live in a volume so a restart loses no record.
ENV PATH=/opt/sentinel/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SENTINEL_API_HOST=0.0.0.0 \
    SENTINEL_API_PORT=8787 \
    XDG_DATA_HOME=/var/lib/sentinel \
    SENTINEL_SPOOL_DIR=/var/lib/sentinel/spool
RUN groupadd --system --gid 10001 sentinel \
    && useradd --system --uid 10001 --gid sentinel --home-dir /var/lib/sentinel \
       --create-home --shell /usr/sbin/nologin sentinel
COPY --from=build /opt/sentinel /opt/sentinel
WORKDIR /var/lib/sentinel
USER 10001:10001
VOLUME ["/var/lib/sentinel"]
EXPOSE 8787
# slim has no curl: the standard library probes /healthz (non-2xx or no answer → exit 1).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SENTINEL_API_PORT', '8787'), timeout=3)"]
ENTRYPOINT ["sentinel"]
CMD ["serve"]
