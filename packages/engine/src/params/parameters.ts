// Named parameter values on the host, with their trainable flags, and the scope that declares them in a graph.

import type { Graph, Shape, Tensor } from '../graph/graph.ts';
import { sizeOf } from '../graph/graph.ts';
import type { ModuleHooks } from '../nn/hooks.ts';
import { Rng } from '../runtime/rng.ts';

/** Fills a fresh parameter. fanIn/fanOut follow PyTorch: for a [out, in] weight, fanIn = in. */
export type Initializer = (shape: Shape, rng: Rng) => Float32Array;

export const init = {
  zeros: (): Initializer => (shape) => new Float32Array(sizeOf(shape)),
  ones: (): Initializer => (shape) => new Float32Array(sizeOf(shape)).fill(1),
  constant:
    (value: number): Initializer =>
    (shape) =>
      new Float32Array(sizeOf(shape)).fill(value),
  normal:
    (std: number, mean = 0): Initializer =>
    (shape, rng) =>
      Float32Array.from({ length: sizeOf(shape) }, () => mean + std * rng.normal()),
  uniform:
    (bound: number): Initializer =>
    (shape, rng) =>
      Float32Array.from({ length: sizeOf(shape) }, () => (rng.uniform() * 2 - 1) * bound),
  /** PyTorch's nn.Linear default: U(-1/sqrt(fanIn), 1/sqrt(fanIn)), fanIn = last dimension. */
  kaimingUniform: (): Initializer => (shape, rng) => {
    const fanIn = shape[shape.length - 1] ?? 1;
    return init.uniform(1 / Math.sqrt(fanIn))(shape, rng);
  },
};

export interface Parameter {
  readonly name: string;
  readonly shape: Shape;
  data: Float32Array;
  trainable: boolean;
}

/** The parameters of one model: values, shapes and which of them train. */
export class ParameterSet {
  private readonly entries = new Map<string, Parameter>();
  readonly rng: Rng;
  /**
   * Where declared parameters take their values before falling back to their initializer (a loaded
   * checkpoint). Returns undefined for a name it does not hold.
   */
  source: ((name: string, shape: Shape) => Float32Array | undefined) | undefined;

  /**
   * Parameters declared with an initializer get no values until something reads them (zeros then): an
   * estimate traces a model, a strategy included, from its shapes without allocating its weights.
   */
  readonly shapesOnly: boolean;

  constructor(seed = 0, options: { shapesOnly?: boolean } = {}) {
    this.rng = new Rng(seed);
    this.shapesOnly = options.shapesOnly ?? false;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get(name: string): Parameter {
    const p = this.entries.get(name);
    if (!p) throw new Error(`unknown parameter '${name}'`);
    return p;
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  get trainableNames(): string[] {
    return [...this.entries.values()].filter((p) => p.trainable).map((p) => p.name);
  }

  /** Adds a parameter with the given values, or initialized by `fill` from this set's seeded stream. */
  add(name: string, shape: Shape, fill: Float32Array | Initializer, trainable = true): Parameter {
    if (this.entries.has(name)) throw new Error(`parameter '${name}' already exists`);
    if (this.shapesOnly && typeof fill === 'function') {
      const p = unallocatedParameter(name, shape, trainable);
      this.entries.set(name, p);
      return p;
    }
    const data = typeof fill === 'function' ? fill(shape, this.rng) : fill;
    if (data.length !== sizeOf(shape))
      throw new Error(`parameter '${name}': shape [${shape.join(', ')}] needs ${sizeOf(shape)} values, got ${data.length}`);
    const p: Parameter = { name, shape: [...shape], data, trainable };
    this.entries.set(name, p);
    return p;
  }

  /**
   * Adds `source` to this set under its own name: its values are read and written through (a runtime may
   * hold them: see handOver), its trainable flag is this set's.
   */
  share(source: Parameter, trainable: boolean): Parameter {
    if (this.entries.has(source.name)) throw new Error(`parameter '${source.name}' already exists`);
    const p: Parameter = {
      name: source.name,
      shape: source.shape,
      trainable,
      get data(): Float32Array {
        return source.data;
      },
      set data(value: Float32Array) {
        source.data = value;
      },
    };
    this.entries.set(source.name, p);
    return p;
  }

  /**
   * Hands parameter `name`'s values over to their new holder (a runtime that trains them in place): until
   * `data` is set again, reading it throws rather than giving values that are no longer current.
   */
  handOver(name: string): Float32Array {
    const p = this.get(name);
    const data = p.data;
    Object.defineProperty(p, 'data', {
      configurable: true,
      enumerable: true,
      get(): Float32Array {
        throw new Error(`parameter '${name}' is held by a runtime; read it back first (Runtime.syncTo)`);
      },
      set(value: Float32Array) {
        Object.defineProperty(p, 'data', { configurable: true, enumerable: true, writable: true, value });
      },
    });
    return data;
  }

  /** Sets which parameters train: those for which `predicate` is true. */
  setTrainable(predicate: (name: string) => boolean): void {
    for (const p of this.entries.values()) p.trainable = predicate(p.name);
  }

  count(which: 'all' | 'trainable' = 'all'): number {
    let n = 0;
    // From the shapes: a shapes-only set counts without allocating.
    for (const p of this.entries.values()) if (which === 'all' || p.trainable) n += sizeOf(p.shape);
    return n;
  }
}

/** A parameter whose values (zeros) are made on first read, for a shapes-only set. */
function unallocatedParameter(name: string, shape: Shape, trainable: boolean): Parameter {
  let data: Float32Array | undefined;
  return {
    name,
    shape: [...shape],
    trainable,
    get data(): Float32Array {
      data ??= new Float32Array(sizeOf(shape));
      return data;
    },
    set data(value: Float32Array) {
      data = value;
    },
  };
}

/**
 * Declares parameters in a graph under a module path (`scope.pp('layer').pp('0')`), creating their
 * values on first use: fresh initialization and a loaded checkpoint go through the same call.
 */
export class ParamScope {
  readonly graph: Graph;
  readonly params: ParameterSet;
  readonly prefix: string;
  /** A fine-tuning strategy's hooks, passed down to every child scope. */
  readonly hooks: ModuleHooks | undefined;

  constructor(graph: Graph, params: ParameterSet, prefix = '', hooks?: ModuleHooks) {
    this.graph = graph;
    this.params = params;
    this.prefix = prefix;
    this.hooks = hooks;
  }

  pp(name: string | number): ParamScope {
    return new ParamScope(this.graph, this.params, this.path(String(name)), this.hooks);
  }

  withHooks(hooks: ModuleHooks | undefined): ParamScope {
    return new ParamScope(this.graph, this.params, this.prefix, hooks);
  }

  path(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }

  get(name: string, shape: Shape, fill: Initializer): Tensor {
    const full = this.path(name);
    if (this.params.has(full)) {
      const p = this.params.get(full);
      if (p.shape.join() !== shape.join()) {
        throw new Error(`parameter '${full}' has shape [${p.shape.join(', ')}] but the model expects [${shape.join(', ')}]`);
      }
    } else {
      const loaded = this.params.source?.(full, shape);
      this.params.add(full, shape, loaded ?? fill);
    }
    const value = this.graph.param(full, shape);
    return this.hooks?.parameter?.({ name: full, scope: this, value }) ?? value;
  }
}
