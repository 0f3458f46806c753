export { catalogue, type ErrorCode, GroveError } from "./errors.js";
