// docker/Dockerfile copies the workspace's manifests by name (so a code change reuses the dependency
// install): a package added to the workspace and not to the Dockerfile would break the image's
// frozen-lockfile install, or leave the package out of the image. This catches it without building.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './cluster.ts';

const dockerfile = readFileSync(join(REPO, 'docker/Dockerfile'), 'utf8');
const workspace = ['packages', 'plugins'].flatMap((root) =>
  readdirSync(join(REPO, root))
    .map((name) => `${root}/${name}`)
    .filter((dir) => existsSync(join(REPO, dir, 'package.json'))),
);

describe('docker/Dockerfile', () => {
  it('copies every workspace manifest before the install', () => {
    expect(workspace.length).toBeGreaterThanOrEqual(5);
    const install = dockerfile.indexOf('pnpm install');
    for (const dir of workspace) {
      const copy = dockerfile.indexOf(`COPY ${dir}/package.json ${dir}/`);
      expect(copy, `${dir}/package.json is not copied into the manifests stage`).toBeGreaterThan(0);
      expect(copy).toBeLessThan(install);
    }
  });

  it('puts the sources of every package the server runs into the final image, and not the console sources', () => {
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    for (const dir of workspace.filter((d) => d !== 'packages/web')) expect(final).toContain(`COPY ${dir}/src ${dir}/src`);
    expect(final).not.toContain('COPY packages/web/src');
    expect(final).toContain('COPY --from=console /src/packages/web/out packages/web/out');
  });
});
