#!/usr/bin/env node
// npm run bench:nix-fleet [-- --machines N --rounds R]
// Renders a whole fleet of N machines (each with aspects, users, an integrated home) as its Nix
// flake with `renderFleet` and, in the same run, JSON.stringify of the same evaluated machine and
// home configurations. Both start from evaluations already done, so the ratio is the cost of
// walking options and definitions and printing Nix against printing JSON. One JSON line out.
import { parseArgs } from "node:util";
import { deepForce, mkDefault, mkForce, mkIf } from "../dist/lib/index.js";
import { aspect, evaluateProject, machine, user } from "../dist/project/index.js";
import { renderFleet } from "../dist/render/nix/index.js";
import { compare } from "./measure.mjs";

const { values: args } = parseArgs({
  options: {
    machines: { type: "string", default: "200" },
    rounds: { type: "string", default: "10" },
  },
});
const machineCount = Number(args.machines);
const rounds = Number(args.rounds);

const users = ["alice", "bob", "carol"].map((name) =>
  user(name, {
    fullName: `${name} Example`,
    email: `${name}@example.org`,
    sshKeys: [`ssh-ed25519 AAAA ${name}`],
    home: ["shell"],
  }),
);
const aspects = [
  aspect("base", {
    nixos: ({ pkgs, lib }) => ({
      time: { timeZone: lib.mkDefault("UTC") },
      nix: { settings: { "experimental-features": ["nix-command", "flakes"] } },
      environment: { systemPackages: [pkgs.git, pkgs.curl, pkgs.htop, pkgs.stable.jq] },
      boot: { kernelParams: ["quiet"], loader: { grub: { device: "/dev/sda" } } },
      fileSystems: { "/": { device: "/dev/disk/by-label/nixos", fsType: "ext4" } },
    }),
  }),
  aspect("ssh", {
    nixos: {
      services: { openssh: { enable: true, settings: { PasswordAuthentication: false } } },
      networking: { firewall: { allowedTCPPorts: [22] } },
      deploy: { healthChecks: { sshd: { tcp: "127.0.0.1:22" } } },
    },
  }),
  aspect("web", {
    nixos: ({ machine }) => ({
      services: {
        nginx: {
          enable: true,
          virtualHosts: Object.fromEntries(
            Array.from({ length: 8 }, (_, v) => [
              `site${v}.${machine.name}.example.org`,
              { forceSSL: true, root: `/var/www/${v}` },
            ]),
          ),
        },
        prometheus: {
          exporters: { node: { enable: mkIf(machine.tags.includes("metrics"), true), port: 9100 } },
        },
      },
      networking: { firewall: { allowedTCPPorts: mkForce([22, 80, 443]) } },
      security: { sudo: { wheelNeedsPassword: mkDefault(false) } },
    }),
  }),
  aspect("shell", {
    home: ({ pkgs }) => ({
      programs: {
        zsh: { enable: true, shellAliases: { ll: "ls -l", gs: "git status" } },
        git: { enable: true },
      },
      home: { packages: [pkgs.ripgrep, pkgs.fd, pkgs.python3Packages.numpy] },
      xdg: { configFile: { "nvim/init.lua": { text: "vim.opt.number = true\nvim.opt.expandtab = true\n" } } },
    }),
  }),
];
const machines = Array.from({ length: machineCount }, (_, i) =>
  machine(`m${i}`, {
    class: "nixos",
    system: i % 4 === 0 ? "aarch64-linux" : "x86_64-linux",
    tags: i % 2 === 0 ? ["metrics"] : [],
    aspects: ["base", "ssh", "web"],
    users: { [["alice", "bob", "carol"][i % 3]]: [] },
  }),
);
const project = evaluateProject([...users, ...aspects, ...machines]);

// Evaluate everything once: both sides then read the same, already merged, configurations.
const configs = [
  ...project.machineNames().map((m) => project.machine(m).config),
  ...project.homeTargets().map((h) => project.home(h.id).config),
];
for (const c of configs) deepForce(c);

function nixAll() {
  let bytes = 0;
  for (const text of renderFleet(project).files.values()) bytes += Buffer.byteLength(text);
  return bytes;
}

function jsonAll() {
  let bytes = 0;
  for (const c of configs) bytes += Buffer.byteLength(JSON.stringify(deepForce(c), null, 2));
  return bytes;
}

const { a: nixRun, b: jsonRun } = compare(nixAll, jsonAll, { warmup: 2, rounds });
const nixMs = nixRun.ms;
const jsonMs = jsonRun.ms;
const nixBytes = nixRun.result;
const jsonBytes = jsonRun.result;
console.log(
  JSON.stringify({
    bench: "nix-fleet",
    machines: machineCount,
    homes: project.homeTargets().length,
    rounds,
    nixMs: Number(nixMs.toFixed(2)),
    jsonMs: Number(jsonMs.toFixed(2)),
    ratio: Number((nixMs / jsonMs).toFixed(2)),
    nixBytes,
    jsonBytes,
  }),
);
