export { ref, tf } from "./classes/terraform/index.js";
export { catalogue, type ErrorCode, GroveError } from "./errors.js";
