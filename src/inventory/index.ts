/** Services with roles, instances, and vars generators (clan's inventory and vars, typed). */
export { type InventoryExtension, inventoryExtension } from "./extension.js";
export { Inventory, type ResolvedInstance, type RoleAssignment } from "./resolve.js";
export {
  type InstanceSpec,
  type InstanceView,
  instance,
  type MemberView,
  type PerInstanceContext,
  type PerMachineContext,
  type RoleContribution,
  type RoleSpec,
  type ServiceSpec,
  service,
} from "./service.js";
export {
  type FileSpec,
  type GenerateContext,
  type GenerateFunction,
  type Generator,
  type GeneratorSpec,
  generator,
  type PromptSpec,
} from "./vars/spec.js";
export type { VarFileView, VarsReader, VarsView } from "./vars/view.js";
