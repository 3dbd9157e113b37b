// One way to report a bad config, for every config file of the package. The model and the
// formatter live with the sink-app (its image holds only sink-app/, and it parses the same
// files at start); this module is where connector-configs code imports them from.
export {
  ConfigError,
  type ConfigIssue,
  ConfigValidationError,
  checkConfig,
  configIssuesFromZod,
  displayValue,
  dottedPath,
  formatConfigErrors,
  formatIssues,
  isSecretPath,
  parseConfig,
  redactCredentials,
} from "../../sink-app/src/validation.js";
