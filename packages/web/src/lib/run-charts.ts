// Which charts a run page draws, from the series it has: metrics equal at every point (accuracy and micro-F1 in
// single-label classification, among others) are drawn once, titled with all their names; precision, recall and
// F1 of one averaging share a chart, as do entity precision, recall and F1 (token classification), each entity
// type's F1, and exact match with F1 (question answering); losses share one; the training dynamics (learning
// rate, gradient norm, throughput) follow. The retention check's figures (how well the tuned backbone still
// models held-back text against the base model) get charts of their own.
import { sameSeries } from './chart-math.ts';

interface Points {
  x: readonly number[];
  y: readonly number[];
}

/**
 * Groups `names` whose series are the same at every point, in first-seen order. `get` returns every series a name
 * stands for (one per run on the compare page): names merge only when all of them match. Names without points
 * stay alone.
 */
export function mergeIdentical(names: readonly string[], get: (name: string) => readonly Points[]): string[][] {
  const groups: { names: string[]; series: readonly Points[] }[] = [];
  for (const name of names) {
    const series = get(name);
    const hasPoints = series.some((s) => s.x.length > 0);
    const match = hasPoints
      ? groups.find((g) => g.series.length === series.length && g.series.every((s, i) => sameSeries(s, series[i] as Points)))
      : undefined;
    if (match) match.names.push(name);
    else groups.push({ names: [name], series });
  }
  return groups.map((g) => g.names);
}

export interface ChartPlan {
  /** Unique among the plan's charts. */
  title: string;
  section: 'training' | 'validation' | 'other';
  series: { name: string; label: string; dots?: boolean }[];
}

const STEP_CHARTS: Record<string, string> = {
  learning_rate: 'Learning rate',
  grad_norm: 'Gradient norm',
  tokens_per_s: 'Tokens per second',
};

const AVERAGING = /^(.*)_(macro|micro|weighted|samples)$/;

/** The retention check's series (the trainer's `retention` setting), and their charts' titles. */
export const RETENTION_CHARTS: Readonly<Record<string, string>> = {
  eval_retention: 'Retention (1 = as the base model)',
  eval_retention_loss: 'Retention: language-modelling loss on held-back texts',
};

/** A validation series' chart title where it has a chart of its own (the compare page draws one chart per name). */
export function validationTitle(name: string, label: string): string {
  return RETENTION_CHARTS[name] ?? `Validation ${label}`;
}

/**
 * Metrics of one task read together, charted as one group before equal series are merged: entity precision and
 * recall are often equal at an evaluation, yet are different measures. `when` is a name the task always reports.
 */
const TASK_GROUPS: readonly { title: string; when: string; members: readonly string[]; label: (name: string) => string }[] = [
  {
    title: 'Validation entities (token classification)',
    when: 'entity_f1',
    members: ['entity_precision', 'entity_recall', 'entity_f1'],
    label: (n) => n.replace(/^entity_/, ''),
  },
  { title: 'Validation exact match and F1 (%)', when: 'exact_match', members: ['exact_match', 'f1'], label: (n) => n },
];

/** Each entity type's F1 (`entity_f1_PER`), as the engine's token-classification evaluation names them. */
const ENTITY_TYPE_F1 = /^entity_f1_(.+)$/;

/**
 * The charts for a run's series (names as RunSeries.names() lists them). A merged series is named by its first
 * name and labelled with all of them ('accuracy = f1_micro').
 */
export function planRunCharts(names: readonly string[], get: (name: string) => Points): ChartPlan[] {
  const out: ChartPlan[] = [];
  const loss: ChartPlan['series'] = [];
  if (names.includes('loss')) loss.push({ name: 'loss', label: 'loss' });
  if (names.includes('eval_loss')) loss.push({ name: 'eval_loss', label: 'eval_loss', dots: true });
  out.push({ title: 'Loss', section: 'training', series: loss.length ? loss : [{ name: 'loss', label: 'loss' }] });

  const short = (n: string) => n.replace(/^eval_/, '');
  let evals = names.filter((n) => n.startsWith('eval_') && n !== 'eval_loss' && !(n in RETENTION_CHARTS));
  for (const g of TASK_GROUPS) {
    if (!evals.includes(`eval_${g.when}`)) continue;
    const members = g.members.map((m) => `eval_${m}`).filter((n) => evals.includes(n));
    out.push({ title: g.title, section: 'validation', series: members.map((n) => ({ name: n, label: g.label(short(n)), dots: true })) });
    evals = evals.filter((n) => !members.includes(n));
  }
  const perType = evals.filter((n) => ENTITY_TYPE_F1.test(short(n)));
  if (perType.length) {
    out.push({
      title: 'Validation entity F1 by type',
      section: 'validation',
      series: perType.map((n) => ({ name: n, label: ENTITY_TYPE_F1.exec(short(n))?.[1] as string, dots: true })),
    });
    evals = evals.filter((n) => !perType.includes(n));
  }
  const groups = mergeIdentical(evals, (n) => [get(n)]);
  const byAveraging = new Map<string, ChartPlan>();
  for (const group of groups) {
    const first = group[0] as string;
    const label = group.map(short).join(' = ');
    if (group.length > 1) {
      out.push({ title: `Validation ${label}`, section: 'validation', series: [{ name: first, label, dots: true }] });
      continue;
    }
    const m = AVERAGING.exec(short(first));
    if (!m) {
      out.push({ title: `Validation ${label}`, section: 'validation', series: [{ name: first, label, dots: true }] });
      continue;
    }
    const averaging = m[2] as string;
    let chart = byAveraging.get(averaging);
    if (!chart) {
      chart = { title: `Validation, ${averaging} average`, section: 'validation', series: [] };
      byAveraging.set(averaging, chart);
      out.push(chart);
    }
    chart.series.push({ name: first, label: m[1] as string, dots: true });
  }
  // A chart left with one series is titled by it.
  for (const c of out) {
    const only = c.series[0];
    if (c.title.startsWith('Validation, ') && c.series.length === 1 && only) c.title = `Validation ${short(only.name)}`;
  }
  for (const [name, title] of Object.entries(RETENTION_CHARTS)) {
    if (names.includes(name)) out.push({ title, section: 'validation', series: [{ name, label: short(name), dots: true }] });
  }

  for (const [name, title] of Object.entries(STEP_CHARTS)) {
    if (names.includes(name)) out.push({ title, section: 'training', series: [{ name, label: name }] });
  }
  // Other step values a trainer may report.
  for (const n of names) {
    if (n.startsWith('eval_') || n === 'loss' || n in STEP_CHARTS) continue;
    out.push({ title: n, section: 'other', series: [{ name: n, label: n }] });
  }
  return out;
}
