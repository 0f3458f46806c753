/**
 * JSON text of an evaluated configuration, written straight from its lazy attribute sets
 * (reading names and values from their sources), without copying it into plain objects first.
 */
import { attrsSourceOf, force } from "../lib/index.js";

function write(value: unknown, indent: string, step: string, out: string[]): void {
  const v = force(value);
  if (v === null || v === undefined) {
    out.push("null");
    return;
  }
  switch (typeof v) {
    case "string":
      out.push(JSON.stringify(v));
      return;
    case "number":
      out.push(Number.isFinite(v) ? String(v) : "null");
      return;
    case "boolean":
      out.push(String(v));
      return;
    case "object":
      break;
    default:
      out.push("null");
      return;
  }
  const inner = indent + step;
  const sep = step === "" ? "," : `,\n${inner}`;
  const open = step === "" ? "" : `\n${inner}`;
  const close = step === "" ? "" : `\n${indent}`;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push("[]");
      return;
    }
    out.push(`[${open}`);
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.push(sep);
      write(v[i], inner, step, out);
    }
    out.push(`${close}]`);
    return;
  }
  const source = attrsSourceOf(v);
  if (!source && typeof (v as { toJSON?: unknown }).toJSON === "function") {
    write((v as { toJSON(): unknown }).toJSON(), indent, step, out);
    return;
  }
  const names = source ? source.names() : Object.keys(v);
  if (names.length === 0) {
    out.push("{}");
    return;
  }
  out.push(`{${open}`);
  const colon = step === "" ? ":" : ": ";
  for (let i = 0; i < names.length; i++) {
    const k = names[i]!;
    if (i > 0) out.push(sep);
    out.push(JSON.stringify(k), colon);
    write(source ? source.value(k) : (v as Record<string, unknown>)[k], inner, step, out);
  }
  out.push(`${close}}`);
}

/** `JSON.stringify(value, null, indent)`, for configurations; `base` indents every line after the first. */
export function jsonText(value: unknown, indent = 2, base = ""): string {
  const out: string[] = [];
  write(value, base, " ".repeat(indent), out);
  return out.join("");
}
