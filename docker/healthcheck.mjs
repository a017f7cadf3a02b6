// The image's HEALTHCHECK: GET /healthz of the process in this container. `serve` answers it on its
// API port (TUNEQL_PORT); `worker` on its health and metrics port (TUNEQL_WORKER_PORT, set in the
// image); another command (token, train, predict) has nothing to probe and counts as healthy.
import { readFileSync } from 'node:fs';

const command = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
const port = command.includes('serve')
  ? process.env.TUNEQL_PORT || '4000'
  : command.includes('worker')
    ? process.env.TUNEQL_WORKER_PORT
    : undefined;
if (!port) process.exit(0);
fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
