/** Grove's secrets: the SOPS file format with age recipients, and the repository secret store. */
export { checkRecipient, encryptArmored, unwrapDataKey, wrapDataKey } from "./age-keys.js";
export { writeFileAtomic } from "./atomic-write.js";
export { decryptValue, encryptValue, formatGoFloat } from "./cipher.js";
export {
  defaultKeysFile,
  type Env,
  ensureIdentity,
  findIdentities,
  identityFile,
  parseIdentities,
  recipientsOf,
} from "./identities.js";
export { type AgeEntry, type Metadata, SOPS_VERSION } from "./metadata.js";
export { DEFAULT_RULE, type EncryptionRule, RULE_KINDS, type RuleKind } from "./rules.js";
export { Secret } from "./secret.js";
export { shred } from "./shred.js";
export {
  type Decrypted,
  decryptText,
  type EncryptOptions,
  emitPlaintext,
  encryptPlaintext,
  encryptTree,
  type KeySource,
  reencrypt,
  rewrap,
  rotate,
} from "./sops-file.js";
export { sshPrivateKeyToAge, sshPublicKeyToAge } from "./ssh-to-age.js";
export {
  type Change,
  checkName,
  parseRecipientRef,
  type RecipientKind,
  type RecipientRef,
  type Recipients,
  type SecretInfo,
  SecretStore,
  showRef,
} from "./store.js";
export { FORMATS, type Format, formatForPath, storeFor } from "./stores/index.js";
export { Branch, Comment, type ListItem, type MapItem, type Scalar, type Value } from "./tree.js";
