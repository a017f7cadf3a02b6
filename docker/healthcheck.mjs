// The image's HEALTHCHECK: `serve` answers GET /healthz on its port; any other role (a worker has no
// HTTP port) is healthy while its process runs, which the container runtime already watches.
import { readFileSync } from 'node:fs';

const command = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
if (!command.includes('serve')) process.exit(0);
const port = process.env.TUNEQL_PORT || '4000';
fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
