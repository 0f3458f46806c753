import { GroveError } from "../../errors.js";
import { isAttrs, mergeDefinitions } from "../definitions.js";
import { force, Lazy } from "../lazy.js";
import { isOption, type OptionDecl } from "../options.js";
import { showOption } from "../show.js";
import { mkOptionDefault } from "../wrappers.js";
import { unspecified } from "./basic.js";
import { getFiles, mkOptionType, type OptionType } from "./type.js";

/**
 * A value that is exactly one of several tagged choices, each an option (Nix's `attrTag`).
 *
 * @example
 * types.attrTag({ tcp: mkOption({ type: types.port }), command: mkOption({ type: types.str }) })
 */
export function attrTag(tags: Record<string, OptionDecl>): OptionType {
  for (const [name, opt] of Object.entries(tags)) {
    if (!isOption(opt)) {
      throw new GroveError(
        "BadValue",
        `In attrTag, each tag value must be an option, but tag ${name} was not.`,
        {
          hint: "Wrap each choice in `mkOption({ type })`.",
        },
      );
    }
  }
  const choices = Object.keys(tags).join(", ");
  return mkOptionType({
    name: "attrTag",
    description: `attribute-tagged union with choices: ${choices}`,
    descriptionClass: "noun",
    check: (v) => isAttrs(v) && Object.keys(v).length === 1 && Object.hasOwn(tags, Object.keys(v)[0]!),
    merge: (loc, defs) => {
      const choice = Object.keys(defs[0]!.value as object)[0]!;
      const choiceDefs = defs.map((d) => {
        const key = Object.keys(d.value as object)[0];
        if (key !== choice) {
          throw new GroveError(
            "Conflict",
            `The option \`${showOption(loc)}\` is defined both as \`${choice}\` and \`${key}\`, in ${getFiles(defs)}.`,
            { path: loc },
          );
        }
        return { file: d.file, line: d.line, value: Lazy.ref(d.value as object, choice) };
      });
      const opt = tags[choice]!;
      const all = Object.hasOwn(opt, "default")
        ? [{ file: defs[0]!.file, value: mkOptionDefault(opt.default) }, ...choiceDefs]
        : choiceDefs;
      const value = mergeDefinitions([...loc, choice], opt.type ?? unspecified, all).mergedValue;
      return { [choice]: opt.apply ? opt.apply(force(value)) : value };
    },
    getSubOptions: (prefix) =>
      Object.fromEntries(Object.entries(tags).map(([k, o]) => [k, { ...o, loc: [...prefix, k] }])),
    nestedTypes: Object.fromEntries(Object.entries(tags).flatMap(([k, o]) => (o.type ? [[k, o.type]] : []))),
  });
}
