// Token classification: entity-level scores from tag sequences with seqeval's default (non-strict) decoding.

import type { AveragedScores, LabelArray } from './classification.ts';
import { MetricInputError } from './errors.ts';

/**
 * How tags spell entity boundaries. IOB2 and IOBES (and IOB1, IOE) go through seqeval's default decoder
 * unchanged; BILOU's L- and U- are read as IOBES's E- and S- first, which is what they mean.
 */
export type TagScheme = 'IOB2' | 'IOBES' | 'BILOU';

/** A span of tokens with one entity type; `end` is inclusive, as in seqeval. */
export interface Entity {
  type: string;
  start: number;
  end: number;
}

export interface EntityTypeScores extends AveragedScores {
  /** Number of true entities of this type. */
  support: number;
}

export interface EntityReport {
  /** Micro-averaged over all entities: seqeval's precision_score / recall_score / f1_score defaults. */
  precision: number;
  recall: number;
  f1: number;
  /** Mean of the per-type figures (seqeval's "macro avg"); NaN when there are no entities at all. */
  macro: AveragedScores;
  /** Per entity type, over the types that occur among the true or predicted entities. */
  perType: Record<string, EntityTypeScores>;
  /** Fraction of tokens whose tag is right, 'O' included (seqeval's accuracy_score); NaN with no tokens. */
  tokenAccuracy: number;
  trueEntities: number;
  predictedEntities: number;
  correctEntities: number;
}

/** seqeval's split of a tag into its boundary letter and entity type ("B-PER" -> B, PER; "O" -> O, _). */
function splitTag(chunk: string, scheme: TagScheme): [string, string] {
  const first = chunk.codePointAt(0);
  if (first === undefined) throw new MetricInputError('token classification', 'empty tag; tags look like "B-PER", "I-PER" or "O"');
  let tag = String.fromCodePoint(first);
  if (scheme === 'BILOU') tag = tag === 'L' ? 'E' : tag === 'U' ? 'S' : tag;
  const rest = chunk.slice(tag.length);
  const dash = rest.indexOf('-');
  return [tag, (dash < 0 ? rest : rest.slice(dash + 1)) || '_'];
}

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  // An I- or E- tag with nothing open before it starts an entity: seqeval's lenient default.
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/**
 * seqeval's get_entities as a stream over tags. Sentences are joined with an 'O' between them, exactly as
 * seqeval flattens nested lists, so positions are global and malformed tags behave as they do there.
 */
class EntityScanner {
  private readonly scheme: TagScheme;
  private prevTag = 'O';
  private prevType = '';
  private begin = 0;
  private position = 0;

  constructor(scheme: TagScheme) {
    this.scheme = scheme;
  }

  push(chunk: string, emit: (e: Entity) => void): void {
    const [tag, type] = splitTag(chunk, this.scheme);
    if (endOfChunk(this.prevTag, tag, this.prevType, type)) emit({ type: this.prevType, start: this.begin, end: this.position - 1 });
    if (startOfChunk(this.prevTag, tag, this.prevType, type)) this.begin = this.position;
    this.prevTag = tag;
    this.prevType = type;
    this.position++;
  }
}

/** The entities of one sentence, as seqeval.metrics.sequence_labeling.get_entities returns them. */
export function getEntities(tags: readonly string[], scheme: TagScheme = 'IOB2'): Entity[] {
  const scanner = new EntityScanner(scheme);
  const out: Entity[] = [];
  for (const t of tags) scanner.push(t, (e) => out.push(e));
  scanner.push('O', (e) => out.push(e));
  return out;
}

/** Maps label ids to tags: an array indexed by id, or an object keyed by id (a config.json's id2label). */
export type Id2Label = readonly string[] | Readonly<Record<number, string>>;

export interface TagsFromIdsOptions {
  /** Reference id marking positions to leave out (sub-word continuations, special tokens). @default -100 */
  ignoreIndex?: number;
}

/**
 * Turns predicted and true label ids into tag sequences the way transformers' run_ner does: positions whose
 * reference is `ignoreIndex` are dropped from both sides, whatever was predicted there.
 */
export function tagsFromIds(
  predictions: readonly LabelArray[],
  references: readonly LabelArray[],
  id2label: Id2Label,
  options: TagsFromIdsOptions = {},
): { predictions: string[][]; references: string[][] } {
  const name = 'token classification';
  const ignore = options.ignoreIndex ?? -100;
  if (predictions.length !== references.length)
    throw new MetricInputError(name, `${predictions.length} predicted sentences but ${references.length} reference sentences`);
  const label = (id: number, where: string): string => {
    const tag = (id2label as Readonly<Record<number, string>>)[id];
    if (typeof tag !== 'string') throw new MetricInputError(name, `${where} is label id ${id}, which id2label does not name`);
    return tag;
  };
  const outP: string[][] = [];
  const outR: string[][] = [];
  predictions.forEach((p, s) => {
    const r = references[s] as LabelArray;
    if (p.length !== r.length)
      throw new MetricInputError(name, `sentence ${s} has ${p.length} predicted ids but ${r.length} reference ids`);
    const tp: string[] = [];
    const tr: string[] = [];
    for (let i = 0; i < r.length; i++) {
      const ref = Number(r[i]);
      if (ref === ignore) continue;
      tr.push(label(ref, `references[${s}][${i}]`));
      tp.push(label(Number(p[i]), `predictions[${s}][${i}]`));
    }
    outP.push(tp);
    outR.push(tr);
  });
  return { predictions: outP, references: outR };
}

export interface EntityCounterOptions {
  /** @default 'IOB2' */
  scheme?: TagScheme;
}

const ratio = (x: number, y: number): number => (y === 0 ? 0 : x / y);
// seqeval's F-score: 2pr / (p + r), 0 when both are 0.
const fScore = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/** Streaming entity and token counts over batches of sentences; report() gives seqeval's figures. */
export class EntityCounter {
  private readonly trueScanner: EntityScanner;
  private readonly predScanner: EntityScanner;
  private readonly trueByType = new Map<string, Set<string>>();
  private readonly predByType = new Map<string, Set<string>>();
  private tokens = 0;
  private correctTokens = 0;

  constructor(options: EntityCounterOptions = {}) {
    this.trueScanner = new EntityScanner(options.scheme ?? 'IOB2');
    this.predScanner = new EntityScanner(options.scheme ?? 'IOB2');
  }

  add(predictions: readonly (readonly string[])[], references: readonly (readonly string[])[]): void {
    const name = 'token classification';
    if (predictions.length !== references.length)
      throw new MetricInputError(name, `${predictions.length} predicted sentences but ${references.length} reference sentences`);
    predictions.forEach((p, s) => {
      const r = references[s] as readonly string[];
      if (p.length !== r.length)
        throw new MetricInputError(name, `sentence ${s} has ${p.length} predicted tags but ${r.length} reference tags`);
      // Checked before anything is counted, so a rejected batch leaves the counter as it was.
      for (const [side, tags] of [
        ['predictions', p],
        ['references', r],
      ] as const)
        tags.forEach((t, i) => {
          if (typeof t !== 'string' || t.length === 0)
            throw new MetricInputError(name, `${side}[${s}][${i}] is ${JSON.stringify(t)}; tags look like "B-PER", "I-PER" or "O"`);
        });
    });
    const record = (into: Map<string, Set<string>>) => (e: Entity) => {
      const set = into.get(e.type) ?? new Set<string>();
      into.set(e.type, set);
      set.add(`${e.start},${e.end}`);
    };
    const onTrue = record(this.trueByType);
    const onPred = record(this.predByType);
    predictions.forEach((p, s) => {
      const r = references[s] as readonly string[];
      r.forEach((t, i) => {
        const q = p[i] as string;
        this.trueScanner.push(t, onTrue);
        this.predScanner.push(q, onPred);
        if (t === q) this.correctTokens++;
      });
      this.trueScanner.push('O', onTrue);
      this.predScanner.push('O', onPred);
      this.tokens += r.length;
    });
  }

  report(): EntityReport {
    const types = [...new Set([...this.trueByType.keys(), ...this.predByType.keys()])].sort();
    const perType: Record<string, EntityTypeScores> = {};
    let tp = 0;
    let nTrue = 0;
    let nPred = 0;
    for (const type of types) {
      const t = this.trueByType.get(type) ?? new Set<string>();
      const p = this.predByType.get(type) ?? new Set<string>();
      let hits = 0;
      for (const key of p) if (t.has(key)) hits++;
      const precision = ratio(hits, p.size);
      const recall = ratio(hits, t.size);
      perType[type] = { precision, recall, f1: fScore(precision, recall), support: t.size };
      tp += hits;
      nTrue += t.size;
      nPred += p.size;
    }
    const precision = ratio(tp, nPred);
    const recall = ratio(tp, nTrue);
    const scores = Object.values(perType);
    const avg = (f: (s: EntityTypeScores) => number): number =>
      scores.length ? scores.reduce((a, s) => a + f(s), 0) / scores.length : Number.NaN;
    return {
      precision,
      recall,
      f1: fScore(precision, recall),
      macro: { precision: avg((s) => s.precision), recall: avg((s) => s.recall), f1: avg((s) => s.f1) },
      perType,
      tokenAccuracy: this.tokens === 0 ? Number.NaN : this.correctTokens / this.tokens,
      trueEntities: nTrue,
      predictedEntities: nPred,
      correctEntities: tp,
    };
  }
}

/** Entity-level precision/recall/F1 and token accuracy of predicted against true tag sequences, one per sentence. */
export function entityReport(
  predictions: readonly (readonly string[])[],
  references: readonly (readonly string[])[],
  options: EntityCounterOptions = {},
): EntityReport {
  const counter = new EntityCounter(options);
  counter.add(predictions, references);
  return counter.report();
}
