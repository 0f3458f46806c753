/** Nix emission: Grove values, definitions and module files as Nix source. Pure: text in, text out. */

export { type ContentRules, evaluationContents } from "./configuration.js";
export { renderDefinitions } from "./definitions.js";
export { NixExpr, nixExpr, nixPath } from "./expr.js";
export { type FlakeContents, type FlakeInput, renderFlake, upstreamInputs } from "./flake.js";
export { channelInput, type FleetOptions, type FleetOutput, renderFleet } from "./fleet.js";
export { type ModuleContents, type OptionDefinitions, renderModule } from "./module.js";
export { attrName, attrPath, isBareName } from "./names.js";
export { type ChannelInput, type PackageLayers, renderOverlay } from "./overlay.js";
export { type PackageRef, packageExpr } from "./packages.js";
export { quotedString, stringLiteral } from "./strings.js";
export { toNix } from "./value.js";
