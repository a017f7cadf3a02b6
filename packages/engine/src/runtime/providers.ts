// Which onnxruntime execution providers this installation can run, and the session options for each.

import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';

export type Provider = 'cpu' | 'webgpu' | 'cuda';
export const PROVIDERS: readonly Provider[] = ['cpu', 'webgpu', 'cuda'];

/** A provider that was asked for but cannot run here. */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
  readonly provider: string;
  readonly available: readonly Provider[];
  constructor(provider: string, available: readonly Provider[], why: string) {
    super(`execution provider '${provider}' is not available: ${why}. Available here: ${available.join(', ')}`);
    this.provider = provider;
    this.available = available;
  }
}

function binaryDir(): string | undefined {
  try {
    const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const dir = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** CUDA needs provider libraries that onnxruntime-node's install script downloads separately. */
function cudaInstalled(): boolean {
  const dir = binaryDir();
  return dir !== undefined && readdirSync(dir).some((f) => f.includes('providers_cuda'));
}

/** Providers compiled into this onnxruntime-node build whose binaries are present. */
export function availableProviders(): Provider[] {
  const backends = ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }];
  const out: Provider[] = [];
  for (const b of backends) {
    if (b.name === 'cpu' || b.name === 'webgpu') out.push(b.name);
    else if (b.name === 'cuda' && cudaInstalled()) out.push('cuda');
  }
  return out;
}

export function checkProvider(provider: string): Provider {
  const available = availableProviders();
  if (!PROVIDERS.includes(provider as Provider)) {
    throw new ProviderUnavailableError(provider, available, `unknown provider (TuneQL knows ${PROVIDERS.join(', ')})`);
  }
  if (!available.includes(provider as Provider)) {
    const why =
      provider === 'cuda' ? 'the CUDA provider libraries are not installed with onnxruntime-node' : 'this onnxruntime-node build lacks it';
    throw new ProviderUnavailableError(provider, available, why);
  }
  return provider as Provider;
}

/** Explains a failed WebGPU start, which is nearly always a missing Vulkan driver. */
export function explainSessionError(provider: Provider, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (provider === 'webgpu' && /adapter/i.test(message)) {
    return new ProviderUnavailableError(
      'webgpu',
      availableProviders().filter((p) => p !== 'webgpu'),
      `no WebGPU adapter was found (${message.split('\n')[0]}); install a Vulkan driver, or on a CPU-only machine set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`,
    );
  }
  return err instanceof Error ? err : new Error(message);
}
