export {
  type ExtensionParts,
  evaluateProject,
  type HomeTarget,
  Project,
  type ProjectExtension,
} from "./evaluate.js";
export { generatorOptions, projectModule } from "./options.js";
export { aspectNames } from "./resolve.js";
export {
  type AspectName,
  type AspectSpec,
  aspect,
  type ClassConfig,
  type ClassModule,
  defineModule,
  type HomeSpec,
  home,
  type MachineInfo,
  type MachineName,
  type MachineSpec,
  type ModuleArgs,
  machine,
  type Register,
  type UserInfo,
  type UserName,
  type UserSpec,
  user,
} from "./sugar.js";
export { generateTypes, type TypegenInput } from "./typegen.js";
