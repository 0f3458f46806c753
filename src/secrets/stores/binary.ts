/**
 * The binary store: any file, kept whole as one `str` value under `data` (additional data `data:`),
 * written as JSON `{"data": "ENC[…]", "sops": {…}}`.
 */
import { GroveError } from "../../errors.js";
import { Branch, Comment } from "../tree.js";
import { emitJson } from "./json.js";
import { encodeUtf8, fromPlain, malformed, type SopsStore } from "./store.js";

export const binaryStore: SopsStore = {
  format: "binary",
  rawStrings: true,
  parsePlain: (input) => [new Branch([{ key: "data", value: input }])],
  emitPlain(branches, file) {
    const data = branches[0]?.get("data");
    if (data instanceof Uint8Array) return data;
    if (typeof data === "string") return encodeUtf8(data);
    throw new GroveError("SecretMalformed", "Binary output needs a top-level `data` string.", {
      file,
      path: ["data"],
    });
  },
  parseEncrypted(text, file) {
    let parsed: unknown;
    try {
      // The file is JSON with two known keys, so the plain parser is enough here (and fast on large files).
      parsed = JSON.parse(text);
    } catch {
      throw malformed("binary", "it is not JSON", file);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw malformed("binary", "the top level is not an object", file);
    const { data, sops } = parsed as Record<string, unknown>;
    if (typeof data !== "string") throw malformed("binary", "it has no `data` string", file);
    if (sops === undefined)
      throw malformed("binary", "it has no `sops` metadata, so it is not encrypted", file);
    return {
      branches: [new Branch([{ key: "data", value: data }])],
      metadata: sops as Record<string, unknown>,
    };
  },
  emitEncrypted(branches, metadata) {
    const items = (branches[0]?.items ?? []).filter((i) => !(i instanceof Comment));
    return emitJson(new Branch([...items, { key: "sops", value: fromPlain(metadata) }]));
  },
};
