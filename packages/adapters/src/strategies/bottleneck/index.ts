// Bottleneck adapters.
export { bottleneck } from './strategy.ts';
