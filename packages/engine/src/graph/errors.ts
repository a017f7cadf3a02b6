// Errors raised while a graph is built: each names the op, its inputs and their shapes.

import type { Tensor } from './graph.ts';

export function describe(t: Tensor): string {
  return `${t.name} ${t.dtype}[${t.shape.join(', ')}]`;
}

/** A tensor shape or dtype that an op cannot accept. */
export class ShapeError extends Error {
  override name = 'ShapeError';
  readonly op: string;
  constructor(op: string, inputs: readonly Tensor[], problem: string) {
    super(`${op}: ${problem} (inputs: ${inputs.map(describe).join('; ') || 'none'})`);
    this.op = op;
  }
}

/** An op option that is unknown or out of range. */
export class OpOptionError extends Error {
  override name = 'OpOptionError';
  readonly op: string;
  constructor(op: string, problem: string) {
    super(`${op}: ${problem}`);
    this.op = op;
  }
}

/** Throws when `options` has keys other than `allowed`. */
export function checkOptions(op: string, options: object | undefined, allowed: readonly string[]): void {
  if (!options) return;
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new OpOptionError(op, `unknown option '${key}'; known options: ${allowed.join(', ') || 'none'}`);
    }
  }
}
