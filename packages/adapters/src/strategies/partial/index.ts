// Partial fine-tuning and gradual unfreezing.
export { partial } from './strategy.ts';
