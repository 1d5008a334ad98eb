// What the conformance client driver does for each scenario of `conformance client`: how the
// scenario's server enters the proxy's config, and what a client then asks through the proxy.
// The default (every auth/* scenario, tools_call, …) lists the tools and calls the first one;
// scenarios that need something else get their own entry here.

/** The client id the suite expects when the authorization server supports Client ID Metadata Documents. */
export const CIMD_CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';

export type ClientAction = 'call-first-tool' | 'list-tools';

export interface ClientPlan {
  /** The scenario server's entry in the proxy's mcpServers. */
  server: Record<string, unknown>;
  action: ClientAction;
}

/** MCP_CONFORMANCE_CONTEXT: scenario data, e.g. pre-registered client credentials. */
export interface ScenarioContext {
  name?: string;
  client_id?: string;
  client_secret?: string;
  [key: string]: unknown;
}

export function planFor(scenario: string, serverUrl: string, context: ScenarioContext): ClientPlan {
  const oauth: Record<string, unknown> = { clientMetadataUrl: CIMD_CLIENT_METADATA_URL };
  if (scenario === 'auth/pre-registration' && context.client_id) {
    oauth.clientId = context.client_id;
    if (context.client_secret) oauth.clientSecret = context.client_secret;
  }
  const server = { url: serverUrl, oauth, restart: { initialDelayMs: 200, maxDelayMs: 2000 } };
  switch (scenario) {
    case 'initialize':
    case 'json-schema-ref-no-deref':
      return { server, action: 'list-tools' };
    default:
      return { server, action: 'call-first-tool' };
  }
}
