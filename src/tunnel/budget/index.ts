/** Rate limits shared by the node's layers (a layer below lighthouse/ and node/, importing nothing). */
export { RateBudget } from './rate-budget.js';
