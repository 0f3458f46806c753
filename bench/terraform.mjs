#!/usr/bin/env node
// npm run bench:terraform [-- --machines N]
// Renders 200 machines' worth of terraform configuration (a server, a reverse DNS entry, a DNS
// record, a firewall attachment and an output per machine, with references between them) and
// compares, in the same run, with JSON.stringify(…, null, 2) of the same values (references
// already written as "${…}" strings): the floor any renderer has to stand on. One JSON line per
// workload with the ratio; no pass/fail on wall time.
//   render       renderTerraform of the plain configuration (validation, escaping, sorted keys)
//   eval+render  evalModules of one module per machine plus the class's modules, then rendering
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { median, time } from "./measure.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const load = (p) => import(pathToFileURL(join(root, "dist", p)).href);
const { evalModules } = await load("lib/index.js");
const { terraformModules, terraformSpecialArgs, tf, ref } = await load("classes/terraform/index.js");
const { renderTerraform } = await load("render/terraform/index.js");

const { values } = parseArgs({ options: { machines: { type: "string", default: "200" } } });
const MACHINES = Number(values.machines);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

const names = Array.from({ length: MACHINES }, (_, i) => `m${String(i).padStart(3, "0")}`);

/** One machine's resources; `r` makes references (typed for Grove, strings for the JSON floor). */
function machine(name, i, r) {
  return {
    resource: {
      hcloud_server: {
        [name]: {
          name,
          server_type: i % 3 === 0 ? "cx32" : "cx22",
          location: ["fsn1", "nbg1", "hel1"][i % 3],
          image: "debian-12",
          ssh_keys: [r.attr("hcloud_ssh_key", "admin", "id")],
          labels: { fleet: "grove", machine: name, role: i % 2 ? "web" : "db" },
          user_data: `#cloud-config\nruncmd:\n  - echo ${name} > /etc/hostname # \${HOSTNAME}\n`,
          public_net: { ipv4_enabled: true, ipv6_enabled: i % 4 === 0 },
          lifecycle: { ignore_changes: ["user_data", "ssh_keys"] },
        },
      },
      hcloud_rdns: {
        [name]: {
          server_id: r.attr("hcloud_server", name, "id"),
          ip_address: r.attr("hcloud_server", name, "ipv4_address"),
          dns_ptr: `${name}.example.org`,
        },
      },
      cloudflare_record: {
        [name]: {
          zone_id: r.var("zone_id"),
          name,
          type: "A",
          content: r.attr("hcloud_server", name, "ipv4_address"),
          ttl: 300,
          proxied: false,
          depends_on: [r.object("hcloud_rdns", name)],
        },
      },
      hcloud_firewall_attachment: {
        [name]: {
          firewall_id: r.attr("hcloud_firewall", "default", "id"),
          server_ids: [r.attr("hcloud_server", name, "id")],
        },
      },
    },
    output: { [`${name}_ipv4`]: { value: r.attr("hcloud_server", name, "ipv4_address") } },
  };
}

const shared = (r) => ({
  terraform: { required_providers: { hcloud: { source: "hetznercloud/hcloud", version: "~> 1.49" } } },
  variable: { hcloud_token: { type: "string", sensitive: true }, zone_id: { type: "string" } },
  provider: { hcloud: [{ token: r.var("hcloud_token") }] },
  resource: {
    hcloud_ssh_key: { admin: { name: "admin", public_key: "ssh-ed25519 AAAA admin@example.org" } },
    hcloud_firewall: {
      default: { name: "default", rule: [{ direction: "in", protocol: "tcp", port: "22" }] },
    },
  },
});

const typed = {
  attr: (type, name, attr) => ref(tf.resource(type, name), attr),
  object: (type, name) => tf.resource(type, name),
  var: (name) => tf.var(name),
};
const strings = {
  attr: (type, name, attr) => `\${${type}.${name}.${attr}}`,
  object: (type, name) => `${type}.${name}`,
  var: (name) => `\${var.${name}}`,
};

/** The modules deep-merged into one plain configuration, as the evaluation would give it. */
function plain(r) {
  const out = shared(r);
  names.forEach((name, i) => {
    const m = machine(name, i, r);
    for (const [type, byName] of Object.entries(m.resource))
      out.resource[type] = { ...out.resource[type], ...byName };
    out.output = { ...out.output, ...m.output };
  });
  return out;
}

function measure(fn) {
  for (let i = 0; i < 3; i++) fn(); // warm-up: let the JIT compile the renderer before timing it
  const ms = [];
  let result;
  for (let i = 0; i < RUNS; i++) {
    const t = time(fn);
    ms.push(t.ms);
    result = t.result;
  }
  return { ms: median(ms), result };
}

const floorValues = plain(strings);
const floor = measure(() => JSON.stringify(floorValues, null, 2));

const groveConfig = plain(typed);
const rendered = measure(() => renderTerraform(groveConfig));

const modules = [shared(typed), ...names.map((name, i) => machine(name, i, typed))];
const evaluated = measure(() =>
  renderTerraform(
    evalModules({
      class: "terraform",
      specialArgs: { ...terraformSpecialArgs },
      modules: [...terraformModules, ...modules],
    }).config,
  ),
);
if (evaluated.result !== rendered.result) throw new Error("eval+render and render disagree");

const resources = Object.values(groveConfig.resource).reduce(
  (n, byName) => n + Object.keys(byName).length,
  0,
);
for (const [workload, m] of [
  ["render", rendered],
  ["eval+render", evaluated],
]) {
  console.log(
    JSON.stringify({
      workload,
      machines: MACHINES,
      resources,
      bytes: m.result.length,
      grove_ms: Number(m.ms.toFixed(2)),
      json_stringify_ms: Number(floor.ms.toFixed(2)),
      ratio: Number((m.ms / floor.ms).toFixed(2)),
    }),
  );
}
