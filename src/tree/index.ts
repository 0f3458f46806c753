export { ImportTree, importTree } from "./discover.js";
export { findFleetRoot, loadFleet } from "./fleet.js";
export { type LoadedFile, loadFiles } from "./load.js";
