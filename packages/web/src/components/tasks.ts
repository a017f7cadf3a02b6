// The tasks the server fine-tunes for (the API's Task enum), how the console names them, and the column
// roles each reads (with the server's defaults).

import type { Task } from '../gql/graphql.ts';

export const TASKS: readonly Task[] = [
  'SEQUENCE_CLASSIFICATION',
  'REGRESSION',
  'TOKEN_CLASSIFICATION',
  'QUESTION_ANSWERING',
  'CAUSAL_LM',
  'MASKED_LM',
];

/** An enum value of the API as people write it elsewhere (configs, the CLI): SEQUENCE_CLASSIFICATION -> sequence-classification. */
export function enumLabel(value: string): string {
  return value.toLowerCase().replace(/_/g, '-');
}

/** role -> default column ('' when the role is optional and unset by default). Mirrors the engine's data/columns.ts. */
export const TASK_COLUMNS: Record<Task, Record<string, string>> = {
  SEQUENCE_CLASSIFICATION: { text: 'text', textPair: '', label: 'label' },
  REGRESSION: { text: 'text', textPair: '', score: 'score' },
  TOKEN_CLASSIFICATION: { tokens: 'tokens', tags: 'tags' },
  QUESTION_ANSWERING: { context: 'context', question: 'question', answerText: 'answers.text', answerStart: 'answers.answer_start' },
  CAUSAL_LM: { text: 'text', prompt: '', completion: '' },
  MASKED_LM: { text: 'text' },
};
