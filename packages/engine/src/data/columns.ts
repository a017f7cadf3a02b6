// Which column holds what for each task, with dotted paths into nested JSON (answers.text[0]) and per-task defaults.

import type { Task } from '../models/config.ts';

/** Column names or paths by role; each task reads its own roles and has defaults for them. */
export interface ColumnMap {
  /** sequence-classification, regression, causal-lm, masked-lm. @default 'text' */
  text?: string;
  /** Second text of a pair (sentence-pair classification or regression); no default: single texts unless named. */
  textPair?: string;
  /** sequence-classification: a string or an integer. @default 'label' */
  label?: string;
  /** regression: a number. @default 'score' */
  score?: string;
  /** token-classification: an array of words, or one string of words separated by whitespace. @default 'tokens' */
  tokens?: string;
  /** token-classification: one tag per word, as an array or a whitespace-separated string. @default 'tags' */
  tags?: string;
  /** question-answering. @default 'context' */
  context?: string;
  /** question-answering. @default 'question' */
  question?: string;
  /** question-answering: a string, or an array of the acceptable answers (SQuAD). @default 'answers.text' */
  answerText?: string;
  /** question-answering: character offset of the answer in the context, or an array parallel to answerText. @default 'answers.answer_start' */
  answerStart?: string;
  /** causal-lm: the part the loss ignores; needs `completion`. No default: whole texts unless named. */
  prompt?: string;
  /** causal-lm: the part the model learns to produce after the prompt. */
  completion?: string;
  /**
   * causal-lm: a conversation, `[{ role, content }]` with roles system, user and assistant (OpenAI's and Hugging
   * Face's chat format), rendered with the model's chat template; the loss covers the assistant turns. Unnamed (and
   * no text column named), a row without `text` that has `messages` is read as a conversation.
   */
  messages?: string;
}

export type ColumnRole = keyof ColumnMap;

const ROLES: Record<Task, readonly ColumnRole[]> = {
  'sequence-classification': ['text', 'textPair', 'label'],
  regression: ['text', 'textPair', 'score'],
  'token-classification': ['tokens', 'tags'],
  'question-answering': ['context', 'question', 'answerText', 'answerStart'],
  'causal-lm': ['text', 'prompt', 'completion', 'messages'],
  'masked-lm': ['text'],
};

const DEFAULTS: ColumnMap = {
  text: 'text',
  label: 'label',
  score: 'score',
  tokens: 'tokens',
  tags: 'tags',
  context: 'context',
  question: 'question',
  answerText: 'answers.text',
  answerStart: 'answers.answer_start',
  messages: 'messages',
};

/** A column mapping or setting that is wrong whatever the data; thrown at once, before any file is read. */
export class DatasetConfigError extends Error {
  override name = 'DatasetConfigError';
}

/** The task's mapping with its defaults filled in; roles another task uses are refused, since they are usually a mix-up. */
export function resolveColumns(task: Task, columns: ColumnMap = {}): ColumnMap {
  // Own keys only: a task named '__proto__' or 'constructor' must not find Object.prototype's members.
  const roles = Object.hasOwn(ROLES, task) ? ROLES[task] : undefined;
  if (!roles) throw new DatasetConfigError(`unknown task '${task}'; expected one of ${Object.keys(ROLES).join(', ')}`);
  const resolved: ColumnMap = {};
  for (const [role, path] of Object.entries(columns) as [ColumnRole, string | undefined][]) {
    if (path === undefined) continue;
    if (!roles.includes(role)) {
      throw new DatasetConfigError(`column role '${role}' does not apply to ${task}; its roles are ${roles.join(', ')}`);
    }
    if (typeof path !== 'string' || path === '')
      throw new DatasetConfigError(`columns.${role} must be a column name or path, got ${JSON.stringify(path)}`);
    parsePath(path, role);
  }
  const promptMode = task === 'causal-lm' && (columns.prompt !== undefined || columns.completion !== undefined);
  if (promptMode && (columns.prompt === undefined || columns.completion === undefined)) {
    throw new DatasetConfigError(
      `causal-lm with a prompt needs both columns.prompt and columns.completion (the loss covers only the completion)`,
    );
  }
  const chatMode = task === 'causal-lm' && columns.messages !== undefined;
  if (chatMode && (promptMode || columns.text !== undefined)) {
    throw new DatasetConfigError(
      `columns.messages names a conversation column; leave out columns.${promptMode ? 'prompt and columns.completion' : 'text'} (a row is either a conversation or a text)`,
    );
  }
  for (const role of roles) {
    if ((promptMode || chatMode) && role === 'text') continue;
    // Conversations are found by their default column only beside plain texts whose column is the default too.
    if (role === 'messages' && (promptMode || (columns.text !== undefined && !chatMode))) continue;
    const path = columns[role] ?? DEFAULTS[role];
    if (path !== undefined) resolved[role] = path;
  }
  return resolved;
}

export type PathSegment = string | number;

/** Splits `answers.text[0]` into ['answers', 'text', 0]. */
export function parsePath(path: string, role = 'column'): PathSegment[] {
  const segments: PathSegment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|(\.)/y;
  let expectName = true;
  let ok = true;
  while (ok && re.lastIndex < path.length) {
    const m = re.exec(path);
    if (m === null) ok = false;
    else if (m[1] !== undefined) {
      ok = expectName;
      segments.push(m[1]);
      expectName = false;
    } else if (m[2] !== undefined) {
      ok = !expectName;
      segments.push(Number(m[2]));
    } else {
      ok = !expectName;
      expectName = true;
    }
  }
  if (!ok || expectName) {
    throw new DatasetConfigError(
      `columns.${role} = '${path}' is not a column path; write names separated by dots, with [n] for array items (answers.text[0])`,
    );
  }
  return segments;
}

export type Resolved = { found: true; value: unknown } | { found: false; reason: string };

/** The value at a path. A column whose whole name matches (a CSV header 'answers.text', say) wins over the path reading. */
export function resolvePath(data: Readonly<Record<string, unknown>>, path: string): Resolved {
  if (Object.hasOwn(data, path)) return { found: true, value: data[path] };
  let value: unknown = data;
  let at = '';
  for (const seg of parsePath(path)) {
    if (typeof seg === 'number') {
      if (!Array.isArray(value)) return { found: false, reason: `'${at}' is ${describeValue(value)}, not an array` };
      if (seg >= value.length) return { found: false, reason: `'${at}' has ${value.length} item${value.length === 1 ? '' : 's'}` };
      value = value[seg];
      at += `[${seg}]`;
    } else {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { found: false, reason: `'${at}' is ${describeValue(value)}, not an object` };
      }
      if (!Object.hasOwn(value, seg)) {
        const keys = Object.keys(value);
        const where = at === '' ? 'the row' : `'${at}'`;
        return { found: false, reason: `${where} has ${keys.length === 0 ? 'no columns' : keys.slice(0, 12).join(', ')}` };
      }
      value = (value as Record<string, unknown>)[seg];
      at += at === '' ? seg : `.${seg}`;
    }
  }
  return { found: true, value };
}

/** A short description of a JSON value for messages: `a number (3.5)`, `an array of 2`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const shown = JSON.stringify(value);
  const short = shown.length > 40 ? `${shown.slice(0, 37)}...` : shown;
  return `${typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'a boolean' : 'a string'} (${short})`;
}
