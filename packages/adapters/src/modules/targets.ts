// Choosing modules as PEFT's target_modules does: by name suffix, by whole-path regex, or 'all-linear'.

import { z } from 'zod';

/** Which modules a strategy rewrites. */
export type ModuleTarget = 'all-linear' | readonly string[] | { regex: string };

export const moduleTargetSchema = z.union([
  z.literal('all-linear').describe('every linear layer of the base model (not the task head)'),
  z.array(z.string().min(1)).min(1).describe("module names, matching a path or its last segments ('query', 'attention.output.dense')"),
  z.object({ regex: z.string().min(1).describe('a regular expression that must match the whole module path') }),
]);

/** Whether `name` is the path or its trailing segments ('self.query' matches 'bert.encoder.layer.0.attention.self.query'). */
export function matchesName(path: string, name: string): boolean {
  return path === name || path.endsWith(`.${name}`);
}

/** Whether the module at `path` is targeted; `inBase` says whether it lies in the base model (for 'all-linear'). */
export function matchesTarget(target: ModuleTarget, path: string, inBase: boolean): boolean {
  if (target === 'all-linear') return inBase;
  if (Array.isArray(target)) return target.some((name) => matchesName(path, name));
  return new RegExp(`^(?:${(target as { regex: string }).regex})$`).test(path);
}

/** How a target reads in a message. */
export function describeTarget(target: ModuleTarget): string {
  if (target === 'all-linear') return "'all-linear'";
  if (Array.isArray(target)) return `[${target.map((t) => `'${t}'`).join(', ')}]`;
  return `/${(target as { regex: string }).regex}/`;
}
