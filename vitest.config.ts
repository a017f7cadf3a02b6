import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// WebGPU runs on a CPU-only machine through the SwiftShader Vulkan driver that ships with Debian's chromium.
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * The files that take longest, longest first (seconds on 2 idle cores, from CI's log). A clean clone has no
 * timing cache, and vitest then starts the largest files first; a long file that starts last keeps one core
 * busy while the other idles, so these start first. Files not named keep vitest's order after them.
 */
const SLOW_FILES: readonly string[] = [
  'tests/cluster/cluster.e2e.test.ts', // 130
  'packages/adapters/src/strategies/austen.test.ts', // 98 (CPU only: no timing to disturb beside the cluster)
  'tests/server/lost-run.e2e.test.ts', // 100
  'tests/server/reliability.e2e.test.ts',
  'tests/web/console.e2e.test.ts',
  'tests/usecases/usecases.test.ts',
  'tests/server/sweeps.e2e.test.ts',
  'tests/server/sweep-cli.e2e.test.ts', // 70-100 on a busy machine
  'packages/server/src/training/model-init.test.ts', // 30-60 on a busy machine
  'tests/server/generate.e2e.test.ts',
  'packages/engine/src/demo/spirals.test.ts', // 40
  'packages/engine/src/train/pretraining.test.ts', // 37
  'tests/server/s3-faults.e2e.test.ts',
  'packages/server/bench/api.bench.test.ts', // 31
  'tests/web/playground-chat.e2e.test.ts',
  'packages/engine/src/models/parity.test.ts',
  'tests/server/settings.e2e.test.ts',
  'tests/server/s3-storage.e2e.test.ts',
  'tests/server/shutdown.e2e.test.ts', // 23
  'tests/fuzz/graphql.fuzz.e2e.test.ts',
  'tests/web/sweeps.e2e.test.ts',
  'tests/server/embedded-worker.e2e.test.ts', // 18
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOW_FILES.findIndex((f) => spec.moduleId.endsWith(`/${f}`));
      return i < 0 ? SLOW_FILES.length : i;
    };
    // A stable sort: the named files in their order, then the rest as vitest ordered them.
    return sorted
      .map((spec, i) => ({ spec, i, r: rank(spec) }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map((x) => x.spec);
  }
}

export default defineConfig({
  // type-graphql and TypeORM need legacy decorators with their emitted type metadata.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  // graphql ships CommonJS and ESM builds; type-graphql requires the CommonJS one, so every import must
  // get that same copy (graphql refuses types from "another module or realm").
  resolve: { alias: [{ find: /^graphql$/, replacement: createRequire(`${import.meta.dirname}/packages/server/`).resolve('graphql') }] },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/bench/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // onnxruntime sessions use native threads; forks keep each test file in its own process.
    pool: 'forks',
    sequence: { sequencer: SlowFirstSequencer },
    env: !process.env.VK_ICD_FILENAMES && existsSync(swiftshader) ? { VK_ICD_FILENAMES: swiftshader } : {},
  },
});
