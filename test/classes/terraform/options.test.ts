import { describe, expect, it } from "vitest";
import { type Reference, ref, type Tf, tf } from "../../../src/classes/terraform/index.js";
import { GroveError } from "../../../src/errors.js";
import { deepForce, mkDefault, mkForce, mkIf, mkMerge } from "../../../src/lib/index.js";
import { evalTerraform } from "./helpers.js";

function errorOf(fn: () => unknown): GroveError {
  try {
    fn();
  } catch (e) {
    if (e instanceof GroveError) return e;
    throw e;
  }
  throw new Error("expected a GroveError");
}

describe("terraform class options", () => {
  it("declares every top-level block type, empty by default", () => {
    const config = evalTerraform();
    expect(Object.keys(config).sort()).toEqual(
      ["check", "data", "locals", "module", "output", "provider", "resource", "terraform", "variable"].sort(),
    );
    expect(deepForce(config)).toEqual({
      check: {},
      data: {},
      locals: {},
      module: {},
      output: {},
      provider: {},
      resource: {},
      terraform: {},
      variable: {},
    });
  });

  it("merges a resource defined in several modules key by key, lists concatenated", () => {
    const config = evalTerraform(
      {
        _file: "a.ts",
        resource: { hcloud_server: { web: { server_type: "cx22", labels: { a: "1" }, ssh_keys: ["k1"] } } },
      },
      {
        _file: "b.ts",
        resource: { hcloud_server: { web: { image: "debian-12", labels: { b: "2" }, ssh_keys: ["k2"] } } },
      },
    );
    const web = deepForce(config.resource.hcloud_server.web) as Record<string, any>;
    expect(web.server_type).toBe("cx22");
    expect(web.image).toBe("debian-12");
    expect(web.labels).toEqual({ a: "1", b: "2" });
    expect([...web.ssh_keys].sort()).toEqual(["k1", "k2"]);
  });

  it("applies mkIf, mkMerge and priorities inside bodies", () => {
    const config = evalTerraform(
      {
        resource: {
          terraform_data: {
            a: mkMerge([{ input: mkDefault("default") }, { triggers_replace: mkIf(false, ["never"]) }]),
          },
        },
      },
      { resource: { terraform_data: { a: { input: mkForce("forced"), labels: { x: mkIf(true, "on") } } } } },
      { resource: { terraform_data: { a: { input: "plain" } } } },
    );
    expect(deepForce(config.resource.terraform_data.a)).toEqual({ input: "forced", labels: { x: "on" } });
  });

  it("reports two different scalars for one key as a conflict naming the path and both files", () => {
    const e = errorOf(() =>
      deepForce(
        evalTerraform(
          { _file: "one.ts", resource: { hcloud_server: { web: { image: "debian-12" } } } },
          { _file: "two.ts", resource: { hcloud_server: { web: { image: "debian-13" } } } },
        ).resource,
      ),
    );
    expect(e.code).toBe("Conflict");
    expect(e.path).toEqual(["resource", "hcloud_server", "web", "image"]);
    expect(e.message).toContain("one.ts");
    expect(e.message).toContain("two.ts");
  });

  it("accepts equal references from two modules and rejects different ones", () => {
    const a = tf.resource("terraform_data", "a");
    const same = evalTerraform(
      { output: { x: { value: ref(a, "id") } } },
      { output: { x: { value: ref(tf.resource("terraform_data", "a"), "id") } } },
    );
    expect((same.output.x.value as Reference).text).toBe("terraform_data.a.id");
    const e = errorOf(() =>
      deepForce(
        evalTerraform(
          { output: { x: { value: ref(a, "id") } } },
          { output: { x: { value: ref(a, "output") } } },
        ).output,
      ),
    );
    expect(e.code).toBe("Conflict");
    expect(e.path).toEqual(["output", "x", "value"]);
  });

  it("rejects values Terraform JSON cannot hold, naming the option path", () => {
    for (const bad of [() => 1, Number.NaN, Number.POSITIVE_INFINITY, new Date(0), 10n]) {
      const e = errorOf(() =>
        deepForce(
          evalTerraform({ _file: "bad.ts", resource: { terraform_data: { a: { input: { deep: bad } } } } }),
        ),
      );
      expect(e.code).toBe("TypeMismatch");
      expect(e.path).toEqual(["resource", "terraform_data", "a", "input", "deep"]);
      expect(e.file).toBe("bad.ts");
    }
  });

  it("requires a block to be an object", () => {
    const e = errorOf(() => deepForce(evalTerraform({ resource: { terraform_data: { a: "x" } } })));
    expect(e.code).toBe("TypeMismatch");
    expect(e.path).toEqual(["resource", "terraform_data", "a"]);
  });

  it("gives function modules the tf helpers while they load", () => {
    const config = evalTerraform(({ tf }: { tf: Tf }) => ({
      locals: { web_ip: tf.ref(tf.resource("hcloud_server", "web"), "ipv4_address") },
    }));
    expect((config.locals.web_ip as Reference).text).toBe("hcloud_server.web.ipv4_address");
  });
});

describe("provider configurations", () => {
  it("merges definitions per alias from several modules, default first, aliases by name", () => {
    const config = evalTerraform(
      { _file: "a.ts", provider: { google: { project: "acme" } } },
      {
        _file: "b.ts",
        provider: {
          google: [
            { region: "europe-west1" },
            { alias: "west", region: "us-west1" },
            mkIf(false, { alias: "never" }),
            { alias: "east", region: "us-east1" },
          ],
        },
      },
      { _file: "c.ts", provider: { google: [{ alias: "west", project: "acme-west" }] } },
    );
    expect(deepForce(config.provider.google)).toEqual([
      { project: "acme", region: "europe-west1" },
      { alias: "east", region: "us-east1" },
      { alias: "west", project: "acme-west", region: "us-west1" },
    ]);
  });

  it("reports conflicting settings of one alias", () => {
    const e = errorOf(() =>
      deepForce(
        evalTerraform(
          { provider: { google: [{ alias: "west", region: "us-west1" }] } },
          { provider: { google: [{ alias: "west", region: "us-west2" }] } },
        ).provider,
      ),
    );
    expect(e.code).toBe("Conflict");
    expect(e.path).toEqual(["provider", "google", "west", "region"]);
  });
});

describe("references", () => {
  it("spell Terraform's addresses", () => {
    const web = tf.resource("hcloud_server", "web");
    expect(web.text).toBe("hcloud_server.web");
    expect(ref(web, "ipv4_address").text).toBe("hcloud_server.web.ipv4_address");
    expect(ref(web, 0, "network", "ip").text).toBe("hcloud_server.web[0].network.ip");
    expect(ref(web, "labels", "a key").text).toBe('hcloud_server.web.labels["a key"]');
    expect(ref(tf.data("google_compute_image", "debian"), "self_link").text).toBe(
      "data.google_compute_image.debian.self_link",
    );
    expect(tf.var("region").text).toBe("var.region");
    expect(tf.local("domain").text).toBe("local.domain");
    expect(ref(tf.module("vpc"), "network_id").text).toBe("module.vpc.network_id");
    expect(tf.provider("google").text).toBe("google");
    expect(tf.provider("google", "west").text).toBe("google.west");
    expect(ref(web, "id").address).toBe("hcloud_server.web");
  });

  it("build expressions and templates with escapes in the right places", () => {
    const web = tf.resource("hcloud_server", "web");
    expect(tf.expr`cidrsubnet(${tf.var("cidr")}, 8, ${1})`.text).toBe("cidrsubnet(var.cidr, 8, 1)");
    expect(tf.expr`join(${"-${x}"}, ${tf.var("parts")}, ${true}, ${null})`.text).toBe(
      'join("-$${x}", var.parts, true, null)',
    );
    expect(tf.expr("count.index").text).toBe("count.index");
    expect(tf.template`https://${ref(web, "ipv4_address")}:${8443}/\${literal}`.text).toBe(
      "https://${hcloud_server.web.ipv4_address}:8443/$${literal}",
    );
    expect(tf.template`n=${tf.expr`${web}.count`}`.references.map((r) => r.text)).toEqual([
      "hcloud_server.web",
    ]);
  });

  it("refuse attributes of a provider configuration and non-references", () => {
    expect(() => ref(tf.provider("google"), "x")).toThrow(TypeError);
    expect(() => ref("hcloud_server.web" as never, "id")).toThrow(TypeError);
  });
});
