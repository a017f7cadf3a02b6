import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// WebGPU runs on a CPU-only machine through the SwiftShader Vulkan driver that ships with Debian's chromium.
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';

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
    env: !process.env.VK_ICD_FILENAMES && existsSync(swiftshader) ? { VK_ICD_FILENAMES: swiftshader } : {},
  },
});
