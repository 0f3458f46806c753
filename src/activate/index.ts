/**
 * Native home activation: build content-addressed generations, switch the home to one safely, roll
 * back, list, expire and compare generations — without Nix.
 */
export type { Collision, CollisionReason, Drift } from "./collisions.js";
export { diffGenerations, type GenerationDiff, type TargetChange, unifiedDiff } from "./diff.js";
export { type ExpireOptions, type ExpireResult, expire, parseAge } from "./expire.js";
export {
  type FromConfigOptions,
  type HomeConfig,
  type HomeFileOptions,
  type HomeFromConfig,
  homeSpecFromConfig,
  sessionVarsFile,
  xdgConfigDir,
  xdgDataDir,
} from "./from-config.js";
export {
  type BuildOptions,
  buildGeneration,
  type FileEntry,
  type FolderEntry,
  type FolderItem,
  type Generation,
  type Manifest,
  type ManifestEntry,
  type SecretEntry,
} from "./generation.js";
export { layoutOf, type StateLayout } from "./layout.js";
export type { LogEvent, Logger, LogLevel } from "./log.js";
export {
  type FileOptions,
  type FileSource,
  type FileSpec,
  type FolderSource,
  type HomeSpec,
  type LoadedSpec,
  loadHomeSpec,
  parseHomeSpec,
  type RepoFileSource,
  type SecretProvider,
  type SecretSource,
  type StepSpec,
  type TemplateSource,
  type TemplateValue,
  type TextSource,
} from "./spec.js";
export { type GenerationInfo, listGenerations, readGeneration } from "./state.js";
export { builtinSteps, type ManifestStep, orderSteps } from "./steps.js";
export {
  type Action,
  type ActivateOptions,
  rollback,
  type SwitchResult,
  switchGeneration,
} from "./switch.js";
