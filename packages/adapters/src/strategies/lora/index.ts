// LoRA, with PEFT-compatible export.
export { lora } from './strategy.ts';
