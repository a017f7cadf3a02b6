// Validated records into the trainer's Examples for each task: token ids, segment ids and labels aligned to tokens.

import { renderConversation } from '../chat/assistant-spans.ts';
import { type ChatTemplate, ChatTemplateError, defaultChatTemplate, renderChat } from '../chat/template.ts';
import { Rng } from '../runtime/rng.ts';
import { charSpanToTokenSpan, type Encoding, type Tokenizer } from '../tokenizers/index.ts';
import { type Example, IGNORE_INDEX } from '../train/batching.ts';
import { DatasetConfigError } from './columns.ts';
import type { DatasetIssue } from './issues.ts';
import type { DatasetRecord, RecordOf, RecordSource } from './validate.ts';

export interface TokenizeOptions {
  tokenizer: Tokenizer;
  /** Most tokens per example, special tokens included; longer inputs are truncated. */
  maxLength: number;
  /** Masked LM: seeds the choice of masked tokens. @default 42 */
  seed?: number;
  /** Masked LM: share of non-special tokens chosen for prediction. @default 0.15 */
  maskProbability?: number;
  /** Masked LM: the mask token. @default '[MASK]' or '<mask>', whichever the vocabulary has */
  maskToken?: string;
  /**
   * Masked LM: most positions chosen per example (BERT's max_predictions_per_seq); extra choices are dropped at
   * random. Match the trainer's mlmPredictions, which leaves out labels beyond it. @default no limit
   */
  maxPredictions?: number;
  /** Causal LM conversations: the model's chat template (readChatTemplate). @default DEFAULT_CHAT_TEMPLATE */
  chatTemplate?: ChatTemplate;
  /** Called with the records done so far, every 1,000 records. */
  onProgress?: (done: number) => void;
}

export interface TokenizedRecords {
  /** One per record, in the records' order (unless a record failed, which leaves an error in `issues`). */
  examples: Example[];
  /** Token count of each example before truncation, in the examples' order. */
  lengths: number[];
  /** Examples that lost tokens to maxLength. */
  truncated: number;
  /** Errors (a record that cannot be encoded) and warnings (an answer or completion cut off by truncation). */
  issues: DatasetIssue[];
}

type Truncation = 'longest_first' | 'only_second';

/**
 * Tokenizes records into Examples:
 * - classification and regression: the text (and pair, with its segment ids), longest_first truncation;
 * - token classification: words joined by single spaces; each token belongs to the word its first character
 *   is in (by character offsets, so pre-tokenizers that split words further do not matter); the first token of
 *   a word carries its tag and the rest IGNORE_INDEX (transformers' label_all_tokens=False);
 * - question answering: (question, context) with only the context truncated; start/end are the tokens covering
 *   the first answer, or 0 (the [CLS] position, as transformers does) when truncation cut the answer off;
 * - causal LM: labels are the ids (the model shifts them); with a prompt, the tokens before the first one that
 *   reaches into the completion are IGNORE_INDEX; a conversation is rendered with the chat template and tokenized
 *   without the post-processor's special tokens (the template writes its own, as apply_chat_template does), its
 *   labels IGNORE_INDEX except on tokens that overlap an assistant turn (renderConversation's spans), and one longer
 *   than maxLength is an error naming the message where it passes the limit (cutting it would cut replies);
 * - masked LM: each non-special token is chosen with maskProbability from a seeded generator; of the chosen,
 *   80% become the mask token, 10% a random token and 10% stay; labels hold the original ids there and
 *   IGNORE_INDEX elsewhere. The masking is drawn once here and is the same every epoch (unlike transformers'
 *   collator, which draws it per batch); tokenize again with another seed for fresh masks.
 */
export function tokenizeRecords(records: readonly DatasetRecord[], options: TokenizeOptions): TokenizedRecords {
  const { tokenizer, maxLength } = options;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new DatasetConfigError(`maxLength must be a positive integer, got ${maxLength}`);
  const out: TokenizedRecords = { examples: [], lengths: [], truncated: 0, issues: [] };
  let maskId: number | undefined;
  const seed = options.seed ?? 42;
  const maskProbability = options.maskProbability ?? 0.15;
  const maxPredictions = options.maxPredictions;
  if (maxPredictions !== undefined && !(Number.isInteger(maxPredictions) && maxPredictions > 0)) {
    throw new DatasetConfigError(`maxPredictions must be a positive integer, got ${maxPredictions}`);
  }
  if (records.some((r) => r.task === 'masked-lm')) {
    if (!(maskProbability > 0 && maskProbability < 1))
      throw new DatasetConfigError(`maskProbability must be in (0, 1), got ${maskProbability}`);
    maskId = maskTokenId(tokenizer, options.maskToken);
  }

  /** Encodes, truncating only when needed: the untruncated length is what the statistics report. */
  const encode = (text: string, pair: string | undefined, strategy: Truncation): { enc: Encoding; full: number } => {
    const whole = tokenizer.encode(text, pair, { truncation: null, padding: null });
    if (whole.ids.length <= maxLength) return { enc: whole, full: whole.ids.length };
    const enc = tokenizer.encode(text, pair, { truncation: { maxLength, strategy }, padding: null });
    out.truncated++;
    return { enc, full: whole.ids.length };
  };

  records.forEach((record, index) => {
    if (index % 1000 === 0 && index > 0) options.onProgress?.(index);
    try {
      const r = tokenizeOne(record, index);
      out.examples.push(r.example);
      out.lengths.push(r.full);
    } catch (err) {
      if (err instanceof DatasetConfigError) throw err;
      // A template's own failure or a conversation too long already says what and where; others are the tokenizer's.
      // Coded, so an API client tells them apart (and each is one kind however many rows it hits).
      const code =
        err instanceof ChatTemplateError ? err.code : err instanceof ConversationTooLongError ? CONVERSATION_TOO_LONG : undefined;
      out.issues.push({
        ...source(record),
        message: code ? (err as Error).message : `cannot tokenize: ${(err as Error).message}`,
        ...(code ? { code } : {}),
      });
    }
  });
  return out;

  function tokenizeOne(record: DatasetRecord, index: number): { example: Example; full: number } {
    switch (record.task) {
      case 'sequence-classification':
      case 'regression': {
        const { enc, full } = encode(record.text, record.textPair, 'longest_first');
        const label = record.task === 'regression' ? record.score : record.label;
        return { example: { inputIds: enc.ids, tokenTypeIds: enc.typeIds, label }, full };
      }
      case 'token-classification':
        return tokenClassification(record);
      case 'question-answering':
        return questionAnswering(record);
      case 'causal-lm': {
        if ('messages' in record) return conversation(record);
        const { enc, full } = encode(record.text, undefined, 'longest_first');
        const labels = [...enc.ids];
        if (record.promptLength !== undefined) {
          const first = enc.ids.findIndex(
            (_, i) => enc.specialTokensMask[i] === 0 && (enc.offsets[i]?.[1] ?? 0) > (record.promptLength as number),
          );
          const from = first < 0 ? labels.length : first;
          labels.fill(IGNORE_INDEX, 0, from);
          if (first < 0) {
            out.issues.push({
              ...source(record),
              level: 'warning',
              message: `maxLength ${maxLength} cuts off the whole completion, so the example teaches nothing; shorten the prompt or raise maxLength`,
            });
          }
        }
        return { example: { inputIds: enc.ids, tokenTypeIds: enc.typeIds, label: labels }, full };
      }
      case 'masked-lm': {
        const { enc, full } = encode(record.text, undefined, 'longest_first');
        return { example: maskTokens(enc, index), full };
      }
    }
  }

  function conversation(record: Extract<RecordOf<'causal-lm'>, { messages: unknown }>): { example: Example; full: number } {
    const template = options.chatTemplate ?? defaultChatTemplate();
    const where = `${record.file} ${record.line === record.row ? 'line' : 'row'} ${record.row}`;
    const { text, assistantSpans } = renderConversation(record.messages, { template, where });
    const enc = tokenizer.encode(text, undefined, { truncation: null, padding: null, addSpecialTokens: false });
    if (enc.ids.length > maxLength) {
      const past = record.messages.findIndex(
        (_, k) =>
          tokenizer.encode(renderChat(record.messages.slice(0, k + 1), { template, where }), undefined, {
            truncation: null,
            padding: null,
            addSpecialTokens: false,
          }).ids.length > maxLength,
      );
      const at = past < 0 ? record.messages.length - 1 : past;
      throw new ConversationTooLongError(
        `the conversation is ${enc.ids.length} tokens with ${template.name}, more than max_length ${maxLength}; it passes the limit in messages[${at}] (${record.messages[at]?.role}): shorten or split it, or raise max_length`,
      );
    }
    const labels = new Array<number>(enc.ids.length).fill(IGNORE_INDEX);
    let span = 0;
    enc.ids.forEach((id, i) => {
      const [start, end] = enc.offsets[i] ?? [0, 0];
      while (span < assistantSpans.length && (assistantSpans[span]?.[1] ?? 0) <= start) span++;
      const s = assistantSpans[span];
      // Any overlap: a token that merges the reply's first character with the text before it is still the reply's.
      if (s && end > s[0] && start < s[1]) labels[i] = id;
    });
    return { example: { inputIds: enc.ids, tokenTypeIds: enc.typeIds, label: labels }, full: enc.ids.length };
  }

  function tokenClassification(record: RecordOf<'token-classification'>): { example: Example; full: number } {
    const starts: number[] = [];
    let pos = 0;
    for (const w of record.words) {
      starts.push(pos);
      pos += w.length + 1;
    }
    const { enc, full } = encode(record.words.join(' '), undefined, 'longest_first');
    const labels = new Array<number>(enc.ids.length).fill(IGNORE_INDEX);
    let previous = -1;
    const lost: number[] = [];
    enc.ids.forEach((_, i) => {
      if (enc.specialTokensMask[i] === 1 || enc.sequenceIds[i] === null) return;
      const word = lastAtOrBefore(starts, enc.offsets[i]?.[0] ?? 0);
      if (word === previous) return;
      labels[i] = record.tags[word] as number;
      for (let w = previous + 1; w < word; w++) lost.push(w);
      previous = word;
    });
    // Words past the truncation point are expected to go; a word inside that yields no token loses its tag quietly otherwise.
    if (lost.length > 0) {
      const shown = lost.slice(0, 5).map((w) => `${w + 1} (${JSON.stringify(record.words[w])})`);
      out.issues.push({
        ...source(record),
        level: 'warning',
        message: `word${lost.length > 1 ? 's' : ''} ${shown.join(', ')} produced no tokens, so ${lost.length > 1 ? 'their tags are' : 'its tag is'} not trained on; the tokenizer drops those characters`,
      });
    }
    return { example: { inputIds: enc.ids, tokenTypeIds: enc.typeIds, label: labels }, full };
  }

  function questionAnswering(record: RecordOf<'question-answering'>): { example: Example; full: number } {
    const { enc, full } = encode(record.question, record.context, 'only_second');
    const first = enc.sequenceIds.indexOf(1);
    const last = enc.sequenceIds.lastIndexOf(1);
    if (first < 0)
      throw new Error(`the question leaves no room for the context within maxLength ${maxLength}; raise maxLength or shorten the question`);
    const offsets = enc.offsets.map((o, i): [number, number] => (enc.sequenceIds[i] === 1 ? [o[0], o[1]] : [0, 0]));
    let startPosition = 0;
    let endPosition = 0;
    const answer = record.answers[0];
    if (answer) {
      const span = charSpanToTokenSpan(enc, answer.start, answer.start + answer.text.length, 1);
      if (span) [startPosition, endPosition] = span;
      else {
        out.issues.push({
          ...source(record),
          level: 'warning',
          message: `maxLength ${maxLength} cuts the answer out of the context, so the example points at [CLS] (no answer); raise maxLength to keep it`,
        });
      }
    }
    const example: Example = {
      inputIds: enc.ids,
      tokenTypeIds: enc.typeIds,
      startPosition,
      endPosition,
      // An unanswerable question's gold answer is the empty string, as in the SQuAD v2 evaluation script.
      qa: {
        context: record.context,
        offsets,
        answers: answer ? record.answers.map((a) => a.text) : [''],
        contextTokenRange: [first, last],
      },
    };
    return { example, full };
  }

  function maskTokens(enc: Encoding, index: number): Example {
    const rng = new Rng(exampleSeed(seed, index));
    const inputIds = [...enc.ids];
    const labels = new Array<number>(enc.ids.length).fill(IGNORE_INDEX);
    let chosen = enc.ids.flatMap((_, i) => (enc.specialTokensMask[i] === 0 && rng.uniform() < maskProbability ? [i] : []));
    if (maxPredictions !== undefined && chosen.length > maxPredictions) {
      chosen = rng
        .shuffle(chosen)
        .slice(0, maxPredictions)
        .sort((a, b) => a - b);
    }
    for (const i of chosen) {
      labels[i] = enc.ids[i] as number;
      const r = rng.uniform();
      if (r < 0.8) inputIds[i] = maskId as number;
      else if (r < 0.9) inputIds[i] = rng.int(tokenizer.vocabSize);
    }
    return { inputIds, tokenTypeIds: enc.typeIds, label: labels };
  }
}

/** The issue code of a conversation longer than max_length. */
export const CONVERSATION_TOO_LONG = 'CONVERSATION_TOO_LONG';

/** A conversation longer than maxLength: an error of the row, not of the tokenizer. */
class ConversationTooLongError extends Error {
  override name = 'ConversationTooLongError';
}

function source(r: RecordSource): { file: string; row: number; line: number } {
  return { file: r.file, row: r.row, line: r.line };
}

/** Index of the last entry <= x in an ascending list (0 when x precedes them all). */
function lastAtOrBefore(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((sorted[mid] as number) <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A per-example seed, so one example's masking does not depend on the others. */
function exampleSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

function maskTokenId(tokenizer: Tokenizer, token: string | undefined): number {
  const candidates = token === undefined ? ['[MASK]', '<mask>'] : [token];
  for (const t of candidates) {
    const id = tokenizer.tokenToId(t);
    if (id !== undefined) return id;
  }
  throw new DatasetConfigError(
    `${tokenizer.source}: the vocabulary has no mask token (${candidates.join(' or ')}); masked-lm needs one, or name it with maskToken`,
  );
}
