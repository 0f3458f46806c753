export { evaluateProject, type HomeTarget, Project } from "./evaluate.js";
export { projectModule } from "./options.js";
export {
  type AspectSpec,
  aspect,
  type ClassModule,
  defineModule,
  type HomeSpec,
  home,
  type MachineInfo,
  type MachineSpec,
  type ModuleArgs,
  machine,
  type UserInfo,
  type UserSpec,
  user,
} from "./sugar.js";
