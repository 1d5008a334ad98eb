// Public surface of the config module.
export { DISCOVERY_MODES, VIEW_NAME, type DiscoveryMode, type ToolDiscovery, type ViewConfig } from "./discovery.js";
export { ConfigError, type ConfigIssue } from "./errors.js";
export { interpolate, referencedVariables, type Env } from "./interpolate.js";
export { loadConfig, parseConfig, parseServerEntries, readConfigText, SERVER_TABLES } from "./load.js";
export { formatPath } from "./path.js";
export {
  ConfigFileSchema,
  DEFAULT_RESTART,
  MAX_SERVER_NAME_LENGTH,
  ServerConfigSchema,
  TRANSPORT_TYPES,
  type ConfigFile,
  type RestartOptions,
  type ServerConfig,
  type ToolFilter,
  type TransportType,
} from "./schema.js";
export { inferTransport, type Config, type RestartPolicy, type ServerSpec, type Transport } from "./spec.js";
