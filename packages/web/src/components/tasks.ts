// The tasks the server fine-tunes for, and the column roles each reads (with the server's defaults).

export const TASKS = [
  'sequence-classification',
  'regression',
  'token-classification',
  'question-answering',
  'causal-lm',
  'masked-lm',
] as const;

/** role -> default column ('' when the role is optional and unset by default). Mirrors the engine's data/columns.ts. */
export const TASK_COLUMNS: Record<string, Record<string, string>> = {
  'sequence-classification': { text: 'text', textPair: '', label: 'label' },
  regression: { text: 'text', textPair: '', score: 'score' },
  'token-classification': { tokens: 'tokens', tags: 'tags' },
  'question-answering': { context: 'context', question: 'question', answerText: 'answers.text', answerStart: 'answers.answer_start' },
  'causal-lm': { text: 'text', prompt: '', completion: '' },
  'masked-lm': { text: 'text' },
};
