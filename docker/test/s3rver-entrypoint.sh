#!/bin/sh
# `server DIR` as MinIO takes it; s3rver keeps its objects in DIR and listens on 9000, path-style only.
set -eu
dir=/data
if [ "${1:-}" = server ] && [ -n "${2:-}" ]; then dir=$2; fi
# Without --no-vhost-buckets s3rver takes a host name other than localhost or its own (`objectstore`,
# as clients on the network call it) for a bucket's name.
set -- --address 0.0.0.0 --port 9000 --directory "$dir" --no-vhost-buckets
for bucket in $(echo "${TUNEQL_BUCKETS:-tuneql}" | tr ',' ' '); do
  set -- "$@" --configure-bucket "$bucket"
done
exec node /opt/s3rver/node_modules/s3rver/bin/s3rver.js "$@"
