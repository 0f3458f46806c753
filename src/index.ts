/**
 * Grove's public API, what fleet files import as `"grove"`: the helpers that define aspects,
 * machines, users and homes, and the module system (`lib`, `types`, `mkIf`…).
 */

export { PackageRef, packageSet } from "./classes/index.js";
export { ref, tf } from "./classes/terraform/index.js";
export { catalogue, type ErrorCode, GroveError } from "./errors.js";
export type {
  FileSpec,
  GenerateContext,
  GeneratorSpec,
  InstanceSpec,
  InstanceView,
  MemberView,
  PerInstanceContext,
  PerMachineContext,
  PromptSpec,
  RoleContribution,
  RoleSpec,
  ServiceSpec,
  VarFileView,
  VarsView,
} from "./inventory/index.js";
export { generator, instance, service } from "./inventory/index.js";
export * from "./lib/index.js";
export type {
  AspectName,
  AspectSpec,
  ClassConfig,
  ClassModule,
  HomeSpec,
  MachineInfo,
  MachineName,
  MachineSpec,
  ModuleArgs,
  Register,
  UserInfo,
  UserName,
  UserSpec,
} from "./project/index.js";
export { aspect, defineModule, home, machine, user } from "./project/index.js";
