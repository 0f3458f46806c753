#!/usr/bin/env node
// npm run bench:nix [-- --machines N --rounds R]
// Renders N machines' worth of module contents to Nix (values, plus definitions of pass-through
// options) and, in the same run, JSON.stringify of the same values: the floor for walking and
// printing that much data. Prints one JSON line with both medians and their ratio.
import { parseArgs } from "node:util";
import { FloatValue, mkBefore, mkDefault, mkForce } from "../dist/lib/index.js";
import { renderModule } from "../dist/render/nix/index.js";
import { compare } from "./measure.mjs";

const { values: args } = parseArgs({
  options: {
    machines: { type: "string", default: "200" },
    rounds: { type: "string", default: "15" },
  },
});
const machineCount = Number(args.machines);
const rounds = Number(args.rounds);

/** A small seeded generator, so every run renders the same fleet. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const words = ["alpha", "beta", "gamma", "delta", "web", "db", "cache", "mesh", "proxy", "backup", "metrics"];
const packages = [
  "ripgrep",
  "fd",
  "git",
  "htop",
  "jq",
  "curl",
  "python3Packages.numpy",
  "nodejs_20",
  "1password",
];

/** One machine's configuration, shaped like a NixOS/nix-darwin system with a few users. */
function machineValues(i) {
  const r = random(i + 1);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const name = `${pick(words)}-${i}`;
  const users = {};
  for (let u = 0; u < 3 + Math.floor(r() * 3); u++) {
    users[`user${u}`] = {
      isNormalUser: true,
      uid: 1000 + u,
      description: `User ${u} of ${name}`,
      extraGroups: ["wheel", "networkmanager", pick(words)].slice(0, 1 + Math.floor(r() * 3)),
      openssh: {
        authorizedKeys: { keys: [`ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${u}${i} user${u}@${name}`] },
      },
      home: `/home/user${u}`,
    };
  }
  const services = {};
  for (let s = 0; s < 12 + Math.floor(r() * 8); s++) {
    services[`${pick(words)}${s}`] = {
      enable: r() > 0.3,
      port: 1024 + Math.floor(r() * 60000),
      openFirewall: r() > 0.5,
      settings: {
        log_level: pick(["info", "debug", "warn"]),
        "max-connections": Math.floor(r() * 1000),
        ratio: new FloatValue(Math.floor(r() * 100) / 4),
        listen: [`0.0.0.0:${Math.floor(r() * 9000)}`, "[::]:443"],
        "extra.config": { path: `/var/lib/${name}/${s}`, retries: 3 },
      },
    };
  }
  const etc = {};
  for (let f = 0; f < 6; f++) {
    etc[`${pick(words)}/${f}.conf`] = {
      text: `# ${name} file ${f}\nkey = "${pick(words)}"\npath = \${HOME}/.${pick(words)}\n\tindented = true\n`,
      mode: "0644",
    };
  }
  return {
    networking: {
      hostName: name,
      domain: "example.org",
      firewall: { enable: true, allowedTCPPorts: [22, 80, 443, 8000 + i], allowedUDPPorts: [51820] },
      interfaces: {
        eth0: { ipv4: { addresses: [{ address: `10.0.${i % 256}.${i % 200}`, prefixLength: 24 }] } },
      },
    },
    nixpkgs: { hostPlatform: i % 5 === 0 ? "aarch64-darwin" : "x86_64-linux" },
    system: {
      stateVersion: "26.05",
      defaults: { dock: { autohide: true, "autohide-delay": new FloatValue(0), tilesize: 48 } },
    },
    boot: { loader: { grub: { device: "/dev/sda" } }, kernelParams: ["quiet", "splash"] },
    fileSystems: {
      "/": { device: "/dev/disk/by-label/nixos", fsType: "ext4" },
      "/boot": { device: "/dev/sda1" },
    },
    nix: {
      settings: { "experimental-features": ["nix-command", "flakes"], "trusted-users": ["root", "@wheel"] },
    },
    environment: {
      etc,
      systemPackages: Array.from({ length: 30 }, (_, p) => ({
        _type: "package",
        name: packages[p % packages.length],
        ...(p % 4 === 0 ? { channel: "stable" } : {}),
      })),
      variables: { EDITOR: "vim", PAGER: "less -R" },
    },
    users: { users },
    services,
  };
}

/** Pass-through definitions, as aspects would write them. */
function machineDefinitions(i) {
  return [
    {
      path: ["programs", "zsh", "enable"],
      definitions: [
        { file: "modules/shell/zsh.ts", line: 4, value: mkDefault(true) },
        { file: `modules/machines/m${i}.ts`, line: 9, value: true },
      ],
    },
    {
      path: ["security", "sudo", "wheelNeedsPassword"],
      definitions: [{ file: "modules/server.ts", line: 12, value: mkForce(false) }],
    },
    {
      path: ["services", "openssh", "settings"],
      definitions: [
        { file: "modules/ssh.ts", line: 3, value: { PasswordAuthentication: false, Ports: mkBefore([22]) } },
      ],
    },
  ];
}

const machines = Array.from({ length: machineCount }, (_, i) => ({
  values: machineValues(i),
  definitions: machineDefinitions(i),
}));

// Both count UTF-8 bytes, as writing the file would: that also makes V8 flatten the text.
function nixAll() {
  let bytes = 0;
  for (const m of machines)
    bytes += Buffer.byteLength(renderModule({ header: ["Generated by Grove."], ...m }));
  return bytes;
}

function jsonAll() {
  let bytes = 0;
  for (const m of machines) bytes += Buffer.byteLength(JSON.stringify(m.values, null, 2));
  return bytes;
}

const { a: nixRun, b: jsonRun } = compare(nixAll, jsonAll, { warmup: 3, rounds });
const nixMs = nixRun.ms;
const jsonMs = jsonRun.ms;
const nixBytes = nixRun.result;
const jsonBytes = jsonRun.result;
console.log(
  JSON.stringify({
    bench: "nix-render",
    machines: machineCount,
    rounds,
    nixMs: Number(nixMs.toFixed(2)),
    jsonMs: Number(jsonMs.toFixed(2)),
    ratio: Number((nixMs / jsonMs).toFixed(2)),
    nixBytes,
    jsonBytes,
  }),
);
