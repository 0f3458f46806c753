/**
 * Secrets benchmark: Grove's encrypt + decrypt of a 1,000-value YAML file and of a 10 MiB binary,
 * against `verify.py check` (an independent Python reader: decrypt + MAC check, data key through
 * the age CLI) on the same files, in the same run. One JSON line per workload; ratios only, no
 * pass/fail on wall time.
 *
 *   npm run bench:secrets
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { decryptText, encryptPlaintext, type Format } from "../src/secrets/index.js";

const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
const VECTORS = process.env.GROVE_SOPS_VECTORS ?? resolve(REPO, "../shared/vectors/sops");
const VERIFY_PY = join(VECTORS, "verify.py");
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function yamlWith1000Values(): Uint8Array {
  const lines: string[] = [];
  for (let g = 0; g < 100; g++) {
    lines.push(`# group ${g}`, `service_${g}:`);
    for (let k = 0; k < 10; k++) {
      const v =
        k % 3 === 0 ? String(g * 100 + k) : k % 3 === 1 ? `"${randomBytes(12).toString("hex")}"` : "true";
      lines.push(`    key_${k}: ${v}`);
    }
  }
  return new TextEncoder().encode(`${lines.join("\n")}\n`);
}

/** 10 MiB of random base64 text: verify.py prints the plaintext as JSON, so it must be UTF-8. */
function binary10MiB(): Uint8Array {
  return new TextEncoder().encode(
    randomBytes(10 * 1024 * 1024)
      .toString("base64")
      .slice(0, 10 * 1024 * 1024),
  );
}

async function workload(
  name: string,
  format: Format,
  ext: string,
  plaintext: Uint8Array,
  dir: string,
  keyFile: string,
  identity: string,
  recipient: string,
) {
  let text = "";
  const enc: number[] = [];
  const dec: number[] = [];
  const file = join(dir, `${name}.${ext}`);
  for (let i = 0; i < RUNS; i++) {
    enc.push(
      await time(async () => (text = await encryptPlaintext(plaintext, format, { recipients: [recipient] }))),
    );
    dec.push(await time(() => decryptText(text, format, { identities: [identity] })));
  }
  writeFileSync(file, text);
  const verify: number[] = [];
  for (let i = 0; i < RUNS; i++)
    verify.push(
      await time(() =>
        execFileSync(PYTHON, [VERIFY_PY, "check", file, "--identity", keyFile], {
          stdio: ["ignore", "ignore", "pipe"],
          maxBuffer: 1 << 28,
        }),
      ),
    );
  const grove = median(enc) + median(dec);
  const line = {
    workload: name,
    format,
    plaintext_bytes: plaintext.length,
    file_bytes: text.length,
    runs: RUNS,
    grove_encrypt_ms: +median(enc).toFixed(2),
    grove_decrypt_ms: +median(dec).toFixed(2),
    grove_encrypt_decrypt_ms: +grove.toFixed(2),
    verify_py_check_ms: +median(verify).toFixed(2),
    ratio_encrypt_decrypt_vs_verify: +(grove / median(verify)).toFixed(3),
    ratio_decrypt_vs_verify: +(median(dec) / median(verify)).toFixed(3),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const dir = mkdtempSync(join(tmpdir(), "grove-bench-secrets-"));
try {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const keyFile = join(dir, "keys.txt");
  writeFileSync(keyFile, `${identity}\n`, { mode: 0o600 });
  await workload("yaml-1000-values", "yaml", "yaml", yamlWith1000Values(), dir, keyFile, identity, recipient);
  await workload("binary-10MiB", "binary", "bin", binary10MiB(), dir, keyFile, identity, recipient);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
