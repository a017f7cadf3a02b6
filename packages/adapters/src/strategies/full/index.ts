// Full fine-tuning.
export { full } from './strategy.ts';
