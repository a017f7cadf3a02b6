// The deployment files, checked without building or starting anything. docker/Dockerfile copies the
// workspace's manifests by name (so a code change reuses the dependency install): a package added to
// the workspace and not to the Dockerfile would break the image's frozen-lockfile install, or leave the
// package out of the image. docker/compose.yaml must keep API and workers free of shared volumes.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

interface Service {
  image?: string;
  volumes?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  deploy?: { resources?: { reservations?: { devices?: { driver?: string; capabilities?: string[] }[] } } };
}

// The server's YAML parser (the repository root does not depend on one).
const { parse } = createRequire(join(REPO, 'packages/server/'))('yaml') as { parse: (text: string, options?: object) => unknown };
const composeText = readFileSync(join(REPO, 'docker/compose.yaml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };

describe('docker/compose.yaml', () => {
  it('shares no volume between the API and the workers', () => {
    for (const name of ['api', 'worker', 'worker-gpu']) {
      expect(compose.services[name], name).toBeDefined();
      expect(compose.services[name]?.volumes ?? [], name).toEqual([]);
    }
    expect(compose.services.worker?.environment?.TUNEQL_STORAGE).toMatch(/^s3:\/\//);
    expect(compose.services.api?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
  });

  it('takes every image from an environment variable, with the public image as default', () => {
    for (const [name, service] of Object.entries(compose.services)) expect(service.image, name).toMatch(/^\$\{[A-Z_]+:-[^}]+\}$/);
  });

  it('has a gpu profile whose worker gets an NVIDIA device with Vulkan (graphics) capabilities', () => {
    const gpu = compose.services['worker-gpu'];
    expect(gpu?.profiles).toEqual(['gpu']);
    expect(gpu?.environment?.NVIDIA_DRIVER_CAPABILITIES).toBe('compute,utility,graphics');
    expect(gpu?.environment?.VK_ICD_FILENAMES).toContain('nvidia_icd.json');
    const device = gpu?.deploy?.resources?.reservations?.devices?.[0];
    expect(device?.driver).toBe('nvidia');
    expect(device?.capabilities).toEqual(expect.arrayContaining(['gpu', 'graphics']));
  });

  it('names in docker/.env.example every variable it requires', () => {
    const example = readFileSync(join(REPO, 'docker/.env.example'), 'utf8');
    const required = new Set([...composeText.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1] as string));
    expect(required.size).toBeGreaterThan(0);
    for (const v of required) expect(example, v).toMatch(new RegExp(`^${v}=`, 'm'));
  });
});
