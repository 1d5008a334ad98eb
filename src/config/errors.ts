/** One problem found in a config document; `path` is "" for the document root. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/**
 * Thrown for every config problem (unreadable file, bad JSON, unset variable,
 * failed validation). The message has one `source: path: problem` line per
 * issue so all problems can be fixed in one go.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly source: string;
  readonly issues: ConfigIssue[];

  constructor(source: string, issues: ConfigIssue[]) {
    super(issues.map((i) => formatIssue(source, i)).join("\n"));
    this.source = source;
    this.issues = issues;
  }
}

function formatIssue(source: string, issue: ConfigIssue): string {
  return issue.path === "" ? `${source}: ${issue.message}` : `${source}: ${issue.path}: ${issue.message}`;
}
