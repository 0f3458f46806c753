/**
 * A whole fleet as a flake: `flake.nix`, `overlay.nix`, one module per machine under `machines/`
 * and one per home under `homes/`. Pure: the project in, file names and texts out; the caller
 * writes them, and copies the encrypted secrets (store and vars) and custom packages the files
 * point at.
 */
import { groveOnlyOptions, pinnedDefaults } from "../../classes/index.js";
import { GroveError } from "../../errors.js";
import type { DeployedSecret } from "../../inventory/vars/deployed.js";
import { type Def, evaluationWarnings } from "../../lib/index.js";
import type { Project } from "../../project/index.js";
import { evaluationContents } from "./configuration.js";
import { nixExpr, nixPath } from "./expr.js";
import { type FlakeInput, renderFlake, upstreamInputs } from "./flake.js";
import { type OptionDefinitions, renderModule } from "./module.js";
import { type PackageLayers, renderOverlay } from "./overlay.js";
import { byCodeUnits } from "./value.js";

/**
 * What to render besides the project itself.
 *
 * @example
 * const options: FleetOptions = { machines: ["cinnabar"], secrets: new Map([["cinnabar", ["db-password"]]]) };
 */
export interface FleetOptions {
  /** Only these machines (and their integrated homes); all machines and standalone homes when absent. */
  readonly machines?: readonly string[] | undefined;
  /** The secrets each machine can read (written by the caller to `secrets/<name>`). */
  readonly secrets?: ReadonlyMap<string, readonly string[]> | undefined;
  /** The vars secret files each machine receives (written by the caller to their `built` path). */
  readonly vars?: ReadonlyMap<string, readonly DeployedSecret[]> | undefined;
  /** Whether the caller copies `packages.custom.directory` to `packages/` in the output. */
  readonly customPackages?: boolean | undefined;
  /** Rewrites a definition's file for its comment (relative to the fleet, whatever the working folder). */
  readonly file?: ((file: string) => string) | undefined;
}

/**
 * The rendered fleet: file texts by path relative to the output folder, and the warnings of the
 * evaluations rendered.
 *
 * @example
 * const { files } = renderFleet(project);
 * files.get("machines/cinnabar.nix");
 */
export interface FleetOutput {
  readonly files: Map<string, string>;
  readonly warnings: readonly string[];
  /** The secrets the modules point at (`secrets/<name>` in the output), sorted. */
  readonly secrets: readonly string[];
  /** The fleet files and folders homes take as `source` (`files/<path>` in the output), sorted. */
  readonly sources: readonly string[];
}

/** Where a home's file entries live, each an attribute set of entries with a `source`. */
const fileEntrySets = [
  ["home", "file"],
  ["xdg", "configFile"],
  ["xdg", "dataFile"],
];

/**
 * Replaces each file entry's `source` (a path in the fleet) with a Nix path to its copy in the
 * output's `files/`: home-manager wants a path, and a flake can only read files inside itself.
 */
function sourcesAsPaths(values: Record<string, unknown>, used: Set<string>): void {
  for (const [a, b] of fileEntrySets) {
    const entries = (values[a!] as Record<string, unknown> | undefined)?.[b!] as
      | Record<string, unknown>
      | undefined;
    if (typeof entries !== "object" || entries === null) continue;
    for (const entry of Object.values(entries)) {
      if (typeof entry !== "object" || entry === null) continue;
      const source = (entry as Record<string, unknown>).source;
      if (typeof source !== "string") continue;
      const clean = source.replace(/^\.\//, "").replace(/\/+$/, "");
      used.add(clean);
      (entry as Record<string, unknown>).source = nixPath(`../files/${clean}`);
    }
  }
}

/** The input of a channel's nixpkgs. */
export function channelInput(channel: string): string {
  return `nixpkgs-${channel}`;
}

/** The channel machines are built from: `unstable` when declared, else the first by name. */
function defaultChannel(channels: readonly string[]): string {
  if (channels.length === 0) {
    throw new GroveError(
      "UnknownChannel",
      "The fleet declares no channels, so there is no nixpkgs to build with.",
      {
        path: ["channels"],
      },
    );
  }
  return channels.includes("unstable") ? "unstable" : channels[0]!;
}

function packageLayers(project: Project, customPackages: boolean): PackageLayers {
  const config = project.config;
  const channels = Object.keys(config.channels).sort(byCodeUnits);
  const main = defaultChannel(channels);
  const packages = config.packages;
  const fallbacks = Object.keys(packages.fallbacks)
    .sort(byCodeUnits)
    .map((name) => {
      const f = packages.fallbacks[name] as { channel: string; reason: string };
      if (!channels.includes(f.channel)) {
        throw new GroveError(
          "UnknownChannel",
          `The fallback for \`${name}' takes it from the channel \`${f.channel}', which is not declared (channels: ${channels.join(", ")}).`,
          { path: ["packages", "fallbacks", name, "channel"] },
        );
      }
      return { name, channel: f.channel, reason: f.reason };
    });
  const overrides = Object.keys(packages.overrides)
    .sort(byCodeUnits)
    .map((name) => {
      const o = packages.overrides[name] as { attrs: Record<string, unknown>; reason: string };
      return { name, attrs: o.attrs, reason: o.reason };
    });
  const overlays = Object.keys(packages.overlays)
    .sort(byCodeUnits)
    .map((input) => ({ input, overlay: (packages.overlays[input] as { overlay: string }).overlay }));
  const custom = packages.custom as { directory: string | null; exclude: string[] };
  return {
    channels: channels.map((name) => ({ name, input: channelInput(name) })),
    defaultChannel: main,
    fallbacks,
    overrides,
    overlays,
    custom:
      customPackages && custom.directory !== null
        ? { path: "./packages", exclude: [...custom.exclude] }
        : null,
  };
}

function flakeInputs(project: Project): FlakeInput[] {
  const config = project.config;
  const channels = Object.keys(config.channels).sort(byCodeUnits);
  const own: FlakeInput[] = [
    ...channels.map((c) => ({
      name: channelInput(c),
      url: config.channels[c].url as string,
      followsNixpkgs: false,
    })),
    ...upstreamInputs,
  ];
  const taken = new Set(["self", ...own.map((i) => i.name)]);
  const overlays = config.packages.overlays as Record<string, { url: string }>;
  for (const name of Object.keys(overlays).sort(byCodeUnits)) {
    if (taken.has(name)) {
      throw new GroveError(
        "ReservedInputName",
        `\`packages.overlays.${name}' would be the flake input \`${name}', which the generated flake already has.`,
        { path: ["packages", "overlays", name] },
      );
    }
    own.push({ name, url: overlays[name]!.url, followsNixpkgs: true });
  }
  return own;
}

/** A definition Grove makes itself, named after what it is for. */
function glue(what: string, value: unknown): Def {
  return { file: `grove: ${what}`, value };
}

/**
 * Every file of the fleet's flake. Machines named in `options.machines` that do not exist are an
 * `UnknownMachine` error (with the nearest name); a failed assertion stops the rendering.
 *
 * @example
 * const { files, warnings } = renderFleet(project, { machines: ["cinnabar"] });
 * [...files.keys()]  // ["flake.nix", "overlay.nix", "machines/cinnabar.nix", "homes/alice@cinnabar.nix"]
 */
export function renderFleet(project: Project, options: FleetOptions = {}): FleetOutput {
  const files = new Map<string, string>();
  const warnings: string[] = [];
  const used = new Set<string>();
  const sources = new Set<string>();
  const selected = options.machines ?? project.machineNames();
  const layers = packageLayers(project, options.customPackages ?? false);
  const inputs = flakeInputs(project);
  const targets = project.homeTargets();

  const home = (id: string, where: string) => {
    const evaluation = project.home(id);
    for (const w of evaluationWarnings(evaluation)) warnings.push(`${id}: ${w}`);
    const contents = evaluationContents(evaluation, {
      groveOnly: groveOnlyOptions("home"),
      pinned: pinnedDefaults("home"),
      file: options.file,
    });
    sourcesAsPaths(contents.values as Record<string, unknown>, sources);
    files.set(
      `homes/${id}.nix`,
      renderModule({ header: [`Generated by Grove (\`grove build\`): home ${id}, ${where}.`], ...contents }),
    );
  };

  const machines: { name: string; class: "nixos" | "darwin"; system: string; module: string }[] = [];
  for (const name of [...new Set(selected)].sort(byCodeUnits)) {
    const evaluation = project.machine(name);
    const entry = project.config.machines[name] as {
      class: "nixos" | "darwin";
      system: string;
      aspects: string[];
    };
    for (const w of evaluationWarnings(evaluation)) warnings.push(`${name}: ${w}`);
    const extra: OptionDefinitions[] = [];
    const users: Def[] = [];
    for (const t of targets) {
      if (t.standalone || t.host !== name) continue;
      home(t.id, `integrated in machine ${name}`);
      const file = nixPath(`../homes/${t.id}.nix`);
      const operand = file.needsParens ? `(${file.text})` : file.text;
      users.push(glue(`home ${t.id}`, { users: { [t.user]: nixExpr(`import ${operand}`) } }));
    }
    if (users.length > 0) extra.push({ path: ["home-manager"], definitions: users });
    const secrets = [...(options.secrets?.get(name) ?? [])].sort(byCodeUnits);
    for (const s of secrets) used.add(s);
    const definitions: Def[] = [];
    if (secrets.length > 0) {
      const entries = Object.fromEntries(
        secrets.map((s) => [s, { sopsFile: nixPath(`../secrets/${s}`), format: "binary" }]),
      );
      definitions.push(glue("secrets readable by this machine", { secrets: entries }));
    }
    const vars = options.vars?.get(name) ?? [];
    if (vars.length > 0) {
      // sops-nix would decrypt the store secret to the file `/run/secrets/vars`, the vars' folder.
      if (secrets.includes("vars"))
        throw new GroveError(
          "VarsNameTaken",
          `Machine \`${name}' reads the store secret \`vars', whose path /run/secrets/vars is the folder of its vars secrets.`,
          { file: "sops/secrets/vars" },
        );
      const entries = Object.fromEntries(
        vars.map((v) => [
          v.name,
          {
            sopsFile: nixPath(`../${v.built}`),
            format: "binary",
            owner: v.owner,
            // darwin has no `root` group: its administrators' group is `wheel`.
            group: v.group ?? (entry.class === "darwin" ? "wheel" : "root"),
            mode: v.mode,
            ...(v.neededForUsers ? { neededForUsers: true } : {}),
          },
        ]),
      );
      definitions.push(glue("vars secrets of this machine", { secrets: entries }));
    }
    if (definitions.length > 0) extra.push({ path: ["sops"], definitions });
    const contents = evaluationContents(
      evaluation,
      { groveOnly: groveOnlyOptions(entry.class), pinned: pinnedDefaults(entry.class), file: options.file },
      extra,
    );
    const header = [
      `Generated by Grove (\`grove build\`): machine ${name} (${entry.class}, ${entry.system}).`,
      `Aspects: ${entry.aspects.join(", ") || "none"}.`,
    ];
    files.set(`machines/${name}.nix`, renderModule({ header, ...contents }));
    machines.push({ name, class: entry.class, system: entry.system, module: `./machines/${name}.nix` });
  }

  const homes: { id: string; system: string; module: string }[] = [];
  if (options.machines === undefined) {
    for (const t of targets) {
      if (!t.standalone) continue;
      home(t.id, "standalone");
      homes.push({
        id: t.id,
        system: project.config.homes[t.id].system as string,
        module: `./homes/${t.id}.nix`,
      });
    }
  }

  files.set("overlay.nix", renderOverlay(layers));
  files.set(
    "flake.nix",
    renderFlake({
      header: ["Generated by Grove (`grove build`); edits are overwritten."],
      inputs,
      nixpkgsInput: channelInput(layers.defaultChannel),
      machines,
      homes,
    }),
  );
  return { files, warnings, secrets: [...used].sort(byCodeUnits), sources: [...sources].sort(byCodeUnits) };
}
