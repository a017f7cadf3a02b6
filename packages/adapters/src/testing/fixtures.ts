// Where the tests find the engine's tiny parity checkpoints and the project's Austen model and data.

import { fileURLToPath } from 'node:url';

/** Tiny Hugging Face checkpoints (hidden 16, 2 layers) of every family and head, from transformers. */
export const PARITY = fileURLToPath(new URL('../../../engine/fixtures/models/parity/', import.meta.url));

export const parity = (name: string): string => `${PARITY}${name}`;

/** The project's pre-trained small BERT and the labelled paragraphs it never saw. */
export const AUSTEN_MODEL = fileURLToPath(new URL('../../../../models/austen-bert-mini', import.meta.url));
export const AUSTEN_DATA = fileURLToPath(new URL('../../../../examples/austen/novels.jsonl', import.meta.url));
