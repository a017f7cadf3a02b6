// @tuneql/plugin-ia3: the (IA)^3 strategy, as a plugin the host loads by package name.
import { ia3 } from './strategy.ts';

export { ia3 };
export default ia3;
