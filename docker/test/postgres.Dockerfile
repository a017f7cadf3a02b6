# A stand-in for the official postgres image where no image registry is reachable: Debian's PostgreSQL
# with the same environment (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB), data folder and port.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /run/postgresql && chown -R postgres:postgres /var/lib/postgresql /run/postgresql
COPY docker/test/postgres-entrypoint.sh /usr/local/bin/
ENV PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
