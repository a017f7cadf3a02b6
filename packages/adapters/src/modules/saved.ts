// The modules a strategy trains in full besides its own parameters (PEFT's modules_to_save): the task head,
// the modules the checkpoint did not hold (a new pooler), and those the run names, matched as PEFT matches them.

import { closestName, type PretrainedModel } from '@tuneql/engine';
import { StrategyError } from '../contract/errors.ts';
import { basePrefix, headModules } from './model.ts';

/** Every module path that holds parameters: each parameter name less its last segment, and that path's prefixes. */
export function modulePaths(model: PretrainedModel): string[] {
  const paths = new Set<string>();
  for (const name of model.params.names) {
    const segments = name.split('.');
    for (let i = 1; i < segments.length; i++) paths.add(segments.slice(0, i).join('.'));
  }
  return [...paths];
}

/** Whether `entry` names the module at `path` as PEFT's modules_to_save does: the whole path, or its last segments. */
export function matchesModule(path: string, entry: string): boolean {
  return path === entry || path.endsWith(`.${entry}`);
}

/**
 * Parameters the checkpoint did not hold: a new task head, a pooler the pre-training left out. A model built
 * from its config alone (nothing loaded, as createRun's memory estimate builds it) has every parameter new;
 * there the ones a checkpoint may lack count (the head, and the pooler, the only part of the base model
 * the loader lets a checkpoint leave out), or a LoRA run would be estimated as training the whole model.
 */
export function freshParameters(model: PretrainedModel): string[] {
  const base = basePrefix(model);
  const mayLack = (n: string) => !n.startsWith(base) || n.startsWith(`${base}pooler.`);
  // A checkpoint that lacks any other base-model parameter is refused at load: such a model was built from its config.
  const fromConfig = model.initialized.some((n) => !mayLack(n));
  return fromConfig ? model.initialized.filter(mayLack) : [...model.initialized];
}

/** The modules of the fresh parameters ('bert.pooler.dense.weight' -> 'bert.pooler.dense'). */
export function freshModules(model: PretrainedModel): string[] {
  return [...new Set(freshParameters(model).map((n) => n.slice(0, n.lastIndexOf('.'))))];
}

/**
 * What trains in full and is saved with the adapter: the task head, every module with fresh parameters, and
 * each module `modulesToSave` names (PEFT adds the classifier to the user's list in the same way). An entry
 * that matches no module is refused, with the closest module names.
 */
export function savedModules(model: PretrainedModel, modulesToSave: readonly string[] | undefined, strategyId: string): string[] {
  const out = new Set([...headModules(model), ...freshModules(model)]);
  if (!modulesToSave?.length) return [...out];
  const paths = modulePaths(model);
  for (const entry of modulesToSave) {
    const matched = paths.filter((p) => matchesModule(p, entry));
    if (!matched.length) {
      const names = [...new Set(paths.flatMap((p) => [p, p.slice(p.lastIndexOf('.') + 1)]))];
      const near = closestName(entry, names);
      const examples = headModules(model).concat(paths.filter((p) => !/\.\d+(\.|$)/.test(p)).slice(0, 6));
      throw new StrategyError(
        'STRATEGY_CONFIG_INVALID',
        `strategy '${strategyId}': modulesToSave entry '${entry}' matches no module of this ${model.arch.modelType} model${near ? ` (did you mean '${near}'?)` : ''}; an entry names a module path or its last segments, e.g. ${[...new Set(examples)].slice(0, 6).join(', ')}`,
        { plugin: strategyId, path: 'modulesToSave' },
      );
    }
    // Outermost matches only: a module inside another one matched is saved with it.
    for (const p of matched) if (!matched.some((q) => q !== p && p.startsWith(`${q}.`))) out.add(p);
  }
  return [...out];
}
