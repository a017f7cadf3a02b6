# A stand-in for an S3-compatible object store (MinIO in production) where no image registry is
# reachable: s3rver 3.7 from npm (path-style addressing, credentials S3RVER/S3RVER), on the Node.js of
# the tuneql image's toolchain stage. Accepts MinIO's command line (`server DIR`) and creates the
# buckets named in TUNEQL_BUCKETS (comma-separated) on start.
FROM localhost/tuneql-toolchain AS build
RUN --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca npm_config_cafile=/run/secrets/ca; fi \
 && mkdir /opt/s3rver && cd /opt/s3rver && echo '{"private":true}' >package.json \
 && pnpm add --reporter=append-only s3rver@3.7.1

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=build /opt/s3rver /opt/s3rver
COPY docker/test/s3rver-entrypoint.sh /usr/local/bin/
RUN useradd --system --user-group --create-home s3rver && mkdir -p /data && chown s3rver:s3rver /data
USER s3rver
EXPOSE 9000
ENTRYPOINT ["/usr/local/bin/s3rver-entrypoint.sh"]
CMD ["server", "/data"]
