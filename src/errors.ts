/**
 * The one catalogue of Grove's errors. Every user-facing failure is a `GroveError` with a code from
 * this table, a message, a hint that says what to do, and — where known — the file and option path.
 * The CLI renders them once; nothing else prints or exits.
 */

/** Each code with a short title and the hint shown under the message. */
export const catalogue = {
  EagerConfigRead: {
    title: "Config read while modules are being collected",
    hint: "Move the read into a lazy position: a getter (`get x() { return config.a }`), `mkIf(() => cond, …)`, or `lazy(() => value)`.",
  },
  InfiniteRecursion: {
    title: "Infinite recursion",
    hint: "An option's value depends on itself. Break the cycle: make one of these options read a different option, or use a default instead of a computed value.",
  },
  UndefinedOption: {
    title: "Option does not exist",
    hint: "Check the spelling against `grove options`, or declare the option in `options` before defining it in `config`.",
  },
  NoValue: {
    title: "Option has no value",
    hint: "Define the option in a module, or give its declaration a `default`.",
  },
  TypeMismatch: {
    title: "Definition has the wrong type",
    hint: "Change the definition to match the option's type, or correct the option's type.",
  },
  Conflict: {
    title: "Conflicting definitions",
    hint: "Use `mkForce(value)` or `mkDefault(value)` to change the priority of one of these definitions.",
  },
  ReadOnly: {
    title: "Read-only option set more than once",
    hint: "A read-only option takes exactly one definition; remove the extra ones.",
  },
  DuplicateDeclaration: {
    title: "Option declared twice",
    hint: "Declare each option in one module only; other modules define it in `config`.",
  },
  OptionUnderLeaf: {
    title: "Options declared under a leaf option",
    hint: "The parent option's type does not hold nested options: use a submodule type, or move the nested options elsewhere.",
  },
  ClassMismatch: {
    title: "Module of another class",
    hint: "Import this module only into evaluations of its own class, or change its `_class`.",
  },
  BadModule: {
    title: "Not a module",
    hint: "A module is an object `{ imports, options, config, … }`, a config-only object, or a function of `{ config, lib, … }` returning one.",
  },
  MissingArgument: {
    title: "Module argument not provided",
    hint: "Provide it through `_module.args` or `specialArgs`, or stop reading it.",
  },
  MissingAttribute: {
    title: "Attribute missing",
    hint: "The value read does not have this attribute; check the name or guard the read.",
  },
  RemovedOption: {
    title: "Option removed",
    hint: "Follow the removal note and delete the definition.",
  },
  AssertionFailed: {
    title: "Failed assertions",
    hint: "Each message above says what the configuration must change.",
  },
  DefinitionThrew: {
    title: "A definition threw",
    hint: "A value in a module threw while being evaluated; the message above is its own.",
  },
  BadValue: {
    title: "Value cannot be represented",
    hint: "Use plain data: strings, numbers, booleans, lists, objects, package references.",
  },
  NixUnrepresentable: {
    title: "Value cannot be written as Nix",
    hint: "Nix has no functions-as-data, cycles, NaN, Infinity, undefined, NUL characters or integers beyond 64 bits: compute the value in Grove and give the option plain data (strings, numbers, booleans, lists, objects, package references).",
  },
  SecretMalformed: {
    title: "Not a readable SOPS file",
    hint: "The file is truncated, malformed, or not in the format its extension says. Pass `--input-type yaml|json|dotenv|ini|binary` if the extension is misleading, or restore the file from version control.",
  },
  SecretTampered: {
    title: "Encrypted value failed authentication",
    hint: "The value, its IV or tag, or its key path was changed after encryption (or the file was encrypted with another data key). Restore the file from version control; never edit `ENC[…]` values by hand.",
  },
  SecretMacMismatch: {
    title: "The file's MAC does not match its values",
    hint: "A value (encrypted or not) or `lastmodified` was changed outside sops/Grove. Restore the file from version control, or re-create the value with `grove secrets set`.",
  },
  SecretNoIdentity: {
    title: "No age identity found",
    hint: "Run `grove secrets init` to create one, or point `SOPS_AGE_KEY_FILE` at an age keys file, or put an identity in `SOPS_AGE_KEY`.",
  },
  SecretNoMatchingKey: {
    title: "None of your age identities can open this file",
    hint: "Ask someone who can read it to grant you access (`grove secrets grant <secret> user:<you>`), or check that `SOPS_AGE_KEY_FILE` points at the right keys file.",
  },
  SecretUnsupported: {
    title: "SOPS feature not supported by Grove",
    hint: "Grove reads and writes age recipients only; use the real `sops` for PGP/KMS-only files or Shamir key groups.",
  },
  SecretBadKey: {
    title: "Not a usable key",
    hint: "Use an age recipient (`age1…`), an age identity (`AGE-SECRET-KEY-1…`), or an unencrypted OpenSSH ed25519 key.",
  },
  SecretBadName: {
    title: "Invalid name",
    hint: "Names start with a letter or digit and contain only letters, digits, `.`, `_` and `-`.",
  },
  SecretNotFound: {
    title: "Not in the secret store",
    hint: "Run `grove secrets list` (or `users list`, `machines list`, `groups list`) to see what exists.",
  },
  SecretExists: {
    title: "Already in the secret store",
    hint: "Remove it first, or pick another name.",
  },
  SecretNoRecipients: {
    title: "Secret would have no recipients",
    hint: "Grant at least one user, group or machine: `--user NAME`, `--group NAME` or `--machine NAME` (or register yourself with `grove secrets users add`).",
  },
  SecretEditorFailed: {
    title: "Editor failed",
    hint: "Set `$EDITOR` (or `$VISUAL`) to an editor that exits with status 0 after saving; the secret was left unchanged.",
  },
  HomeSpecInvalid: {
    title: "Invalid home specification",
    hint: "Fix the field named above; `docs/activation.md` describes every field of a home specification.",
  },
  HomeTargetInvalid: {
    title: "Home target outside the home directory",
    hint: "Targets are paths relative to the home directory (`.config/app/config.toml`); remove `..` segments and absolute paths outside the home.",
  },
  HomeTargetConflict: {
    title: "Two entries claim the same target",
    hint: "Keep one of the entries, or give one of them another target. A file can only sit inside a folder entry that is `recursive`.",
  },
  HomeSourceMissing: {
    title: "Source not found",
    hint: "Check the path: sources are relative to the fleet repository root. A `file` source must be a file and a `folder` source a directory.",
  },
  HomeTemplateValue: {
    title: "Template placeholder has no value",
    hint: "Add the missing name to the entry's `values`, or remove the `{{ name }}` placeholder from the template.",
  },
  HomeCollision: {
    title: "Existing files would be clobbered",
    hint: "Move or delete each file listed, set a backup extension (`--backup-ext bak`) to move them aside, or mark an entry `force: true` to replace it. Nothing was changed.",
  },
  HomeStepCycle: {
    title: "Activation steps form a cycle",
    hint: "Remove one of the `before`/`after` edges listed so the steps can be ordered.",
  },
  HomeStepFailed: {
    title: "Activation step failed",
    hint: "Fix the command shown (its output is above) and switch again. The previous generation is still live and the home is as it was.",
  },
  HomeSecretFailed: {
    title: "Secret could not be provided",
    hint: "Check that the secret exists and can be decrypted on this machine; the previous generation is still live.",
  },
  HomeGenerationMissing: {
    title: "No such home generation",
    hint: "Run `grove home generations` to list the generations that exist.",
  },
  HomeLocked: {
    title: "Another activation is running",
    hint: "Wait for it to finish. If no Grove process is running, delete the lock file named above.",
  },
  HomeStateCorrupt: {
    title: "Home state folder is damaged",
    hint: "A file under the state folder was changed by hand or truncated; restore it, or move the state folder aside and switch again.",
  },
  HomeUserMismatch: {
    title: "Home belongs to another user",
    hint: "Run as the configured user, or pass `--home DIR` to activate into another directory.",
  },
  HomeConfigInvalid: {
    title: "Invalid home configuration",
    hint: "Fix the option named above; `grove why <user@host> <option>` shows which files define it, and `docs/activation.md` how each option becomes a file.",
  },
  HomeNotChosen: {
    title: "Which home to activate",
    hint: "Name the home, as in `grove home switch alice@laptop`; `grove eval` lists every home of the fleet.",
  },
  FleetNotFound: {
    title: "No fleet here",
    hint: "Run the command inside a fleet (a folder with `modules/`), pass `--dir DIR`, or create one with `grove init`.",
  },
  ModuleLoadFailed: {
    title: "A fleet file failed to load",
    hint: "Fix the error above in that file (the message gives its line).",
  },
  NotAModule: {
    title: "A fleet file does not export a module",
    hint: 'Export a module as the default: `export default aspect("name", { … })`, an object `{ options, config }`, or a function of `{ config, lib }` returning one.',
  },
  UnknownAspect: {
    title: "Unknown aspect",
    hint: 'Check the name, or define the aspect with `aspect("name", { … })`.',
  },
  AspectCycle: {
    title: "Aspects include each other",
    hint: "Remove one of the `includes` so that no aspect includes itself through others.",
  },
  ImportCycle: {
    title: "Modules import each other",
    hint: "Remove one of the imports, or give the modules a `key` so each is applied once.",
  },
  UnknownMachine: {
    title: "Unknown machine",
    hint: "Check the name against `grove eval` (which lists every machine).",
  },
  UnknownChannel: {
    title: "Unknown channel",
    hint: 'Declare the channel in `channels` (e.g. `channels.stable.url = "github:NixOS/nixpkgs/nixos-25.05"`), or name one that is declared.',
  },
  ReservedInputName: {
    title: "Flake input name already taken",
    hint: "Rename the entry of `packages.overlays`: the generated flake uses `self`, `nixpkgs-<channel>`, `home-manager`, `nix-darwin` and `sops-nix` itself.",
  },
  UnknownUser: {
    title: "Unknown user",
    hint: 'Declare the user with `user("name", { … })`, or fix the name.',
  },
  UnknownHome: {
    title: "Unknown home",
    hint: 'A home is `user@machine` for a user of a machine, or a standalone `home("user@host", { … })`.',
  },
  TerraformUnknownReference: {
    title: "Reference to an undeclared Terraform object",
    hint: "Declare the object (`resource.<type>.<name>`, `data…`, `variable…`, `locals…`, `module…`, or a provider with that `alias`), or correct the name in the reference.",
  },
  TerraformBadValue: {
    title: "Value cannot be written as Terraform JSON",
    hint: "Use strings, finite numbers, booleans, null, lists and plain objects, and `tf.ref`/`tf.expr`/`tf.template` for references; no functions, class instances, NaN or values that contain themselves.",
  },
  TerraformNotFound: {
    title: "The terraform program was not found",
    hint: "Install Terraform (1.x) and put `terraform` on PATH, or set `GROVE_TERRAFORM` to the program's path.",
  },
  TerraformFailed: {
    title: "terraform failed",
    hint: "Terraform's own output above says why. Grove re-encrypted whatever state terraform wrote, so fix the cause and run the command again.",
  },
  TerraformLocked: {
    title: "Another Grove run is using this Terraform workspace",
    hint: "Wait for it to finish. If no Grove run is active (the process named in the lock is gone), run the command again: Grove takes over a stale lock and recovers the state it left.",
  },
  TerraformConfigLoad: {
    title: "Terraform configuration file could not be loaded",
    hint: "Pass `--config` a `.ts`, `.mjs`, `.js` or `.json` file whose default export is a terraform module (or a list of them).",
  },
  UnknownService: {
    title: "Unknown service",
    hint: 'Check the instance\'s `service`, or define the service with `service("name", { roles })`.',
  },
  UnknownRole: {
    title: "Unknown role",
    hint: "Assign only the roles the service declares (listed above).",
  },
  VarsConflict: {
    title: "Two different generators with one name",
    hint: "Give one of them another name, or make both definitions identical (a shared generator has one definition for every machine).",
  },
  VarsUnknown: {
    title: "Unknown generator or file",
    hint: "Check the name against `grove vars list <machine>`.",
  },
  VarsMissing: {
    title: "Var not generated",
    hint: "Run `grove vars generate <machine>`.",
  },
  VarsSecretValue: {
    title: "Secret var read at evaluation",
    hint: "Use the file's `path` (where it is decrypted on the machine); only public files have a `value`.",
  },
  VarsCycle: {
    title: "Generators depend on each other",
    hint: "Remove one of the `dependencies` listed so the generators can be ordered.",
  },
  VarsBadDependency: {
    title: "Dependency on a generator the machine does not use",
    hint: "Give the machine that generator too, or remove it from `dependencies`. A shared generator can only depend on shared generators.",
  },
  VarsPromptMissing: {
    title: "A prompt has no value",
    hint: "Run `grove vars generate` in a terminal (without `--no-prompt`) to be asked, or give the prompt a `default`.",
  },
  VarsGeneratorFailed: {
    title: "Generator failed",
    hint: "Fix the generator (its error output is above). Outputs stored before this run are unchanged.",
  },
  VarsOutputMissing: {
    title: "Generator did not produce a declared file",
    hint: "Make the generator write every file in `files` to `$out/<file>` (or return it from `generate`). Nothing was stored.",
  },
  VarsToolMissing: {
    title: "Runtime tool not found",
    hint: "Install the program named above, or remove it from `runtimeInputs`.",
  },
  VarsNoMachineKey: {
    title: "Machine has no age key",
    hint: "Give the machine a host-key generator (`hostKey`), or register its key with `grove secrets machines add <machine> …`.",
  },
  VarsNameTaken: {
    title: "A store secret takes the vars' path",
    hint: "Store the secret under another name (`grove secrets set NAME`) and delete `sops/secrets/vars`: a machine's vars secrets are decrypted under /run/secrets/vars/.",
  },
  VarsNotForMachine: {
    title: "A secret file is not encrypted for the machine that receives it",
    hint: "Regenerate it (`grove vars generate <machine> --regenerate`) so that it is encrypted for every machine using it.",
  },
  VarsBadOwner: {
    title: "A secret needed for users owned by another user",
    hint: 'Leave `owner` and `group` unset for a file with `neededFor: "users"`: it is made before any account exists.',
  },
  VarsNoGenerator: {
    title: "Generator has nothing to run",
    hint: "Give the generator a `script` or a `generate` function.",
  },
  UnknownDeployTarget: {
    title: "Unknown deploy target",
    hint: "Name a machine, a standalone home (`user@host`) or a tag (`@tag`) of this fleet; `grove eval` lists them.",
  },
  DeployUnsupported: {
    title: "Cannot deploy this home yet",
    hint: "Deploying a home over SSH links files and secrets only; activate it on the machine with `grove home switch` instead.",
  },
  DeployHealthCheckInvalid: {
    title: "Health check is not well-formed",
    hint: "Give each `deploy.healthChecks.<name>` exactly one of `command` (exits 0), `tcp` (`host:port`) or `http` (`http://…` or `https://…`).",
  },
  Usage: {
    title: "Wrong command usage",
    hint: "Run `grove --help` or `grove <command> --help`.",
  },
} as const satisfies Record<string, { title: string; hint: string }>;

export type ErrorCode = keyof typeof catalogue;

/** Where a definition or declaration comes from. */
export interface Location {
  file: string;
  line?: number | undefined;
}

export interface GroveErrorInit {
  /** The option path the error is about, e.g. `["services", "ssh", "port"]`. */
  path?: readonly string[] | undefined;
  file?: string | undefined;
  line?: number | undefined;
  /** A hint that replaces the catalogue's generic one. */
  hint?: string | undefined;
  cause?: unknown;
}

/**
 * A user mistake, described as data: `code`, `message`, `hint`, `file`, option `path`.
 *
 * @example
 * throw new GroveError("NoValue", "The option `a' was accessed but has no value defined.", { path: ["a"] });
 */
export class GroveError extends Error {
  override readonly name = "GroveError";
  readonly code: ErrorCode;
  readonly hint: string;
  readonly path: readonly string[] | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(code: ErrorCode, message: string, init: GroveErrorInit = {}) {
    // No line ends in spaces, as Nix prints its messages (several are written with one there).
    super(message.replace(/[ \t]+\n/g, "\n"), init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.hint = init.hint ?? catalogue[code].hint;
    this.path = init.path;
    this.file = init.file;
    this.line = init.line;
  }
}

export function isGroveError(e: unknown): e is GroveError {
  return e instanceof GroveError;
}

/** Renders an option path the way Nix prints it: `a.b."c d"`. */
export function showPath(path: readonly string[]): string {
  return path.map(showPathPart).join(".");
}

const nixKeywords = new Set(["assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with"]);

/** As Nix's `showOption`: `*` and `<placeholder>` bare, other non-identifiers quoted. */
function showPathPart(p: string): string {
  return p === "*" || /^<.*>$/s.test(p) ? p : escapeNixIdentifier(p);
}

/** A name as Nix's `escapeNixIdentifier` writes it: bare when it is an identifier, not a keyword. */
export function escapeNixIdentifier(s: string): string {
  return /^[a-zA-Z_][a-zA-Z0-9_'-]*$/.test(s) && !nixKeywords.has(s) ? s : escapeNixString(s);
}

/** A value as Nix's `escapeNixString` writes it: as JSON (a string quoted), `$` escaped too. */
export function escapeNixString(s: unknown): string {
  return JSON.stringify(s).replaceAll("$", "\\$");
}
