// The MCP messages the proxy has to read, as zod schemas, plus method names.
// Only the fields we touch are declared; loose objects keep every other field verbatim,
// so whatever a newer spec adds passes through the proxy untouched.
import { z } from 'zod';

export const Method = {
  initialize: 'initialize',
  ping: 'ping',
  toolsList: 'tools/list',
  toolsCall: 'tools/call',
  promptsList: 'prompts/list',
  promptsGet: 'prompts/get',
  resourcesList: 'resources/list',
  resourcesRead: 'resources/read',
  resourcesTemplatesList: 'resources/templates/list',
  resourcesSubscribe: 'resources/subscribe',
  resourcesUnsubscribe: 'resources/unsubscribe',
  completionComplete: 'completion/complete',
  loggingSetLevel: 'logging/setLevel',
  samplingCreateMessage: 'sampling/createMessage',
  elicitationCreate: 'elicitation/create',
  rootsList: 'roots/list',
  tasksGet: 'tasks/get',
  tasksResult: 'tasks/result',
  tasksList: 'tasks/list',
  tasksCancel: 'tasks/cancel',
} as const;

export const Notification = {
  initialized: 'notifications/initialized',
  cancelled: 'notifications/cancelled',
  progress: 'notifications/progress',
  message: 'notifications/message',
  toolsListChanged: 'notifications/tools/list_changed',
  promptsListChanged: 'notifications/prompts/list_changed',
  resourcesListChanged: 'notifications/resources/list_changed',
  resourceUpdated: 'notifications/resources/updated',
  rootsListChanged: 'notifications/roots/list_changed',
  elicitationComplete: 'notifications/elicitation/complete',
  tasksStatus: 'notifications/tasks/status',
} as const;

/** `_meta` key tying a message to a task (2025-11-25 tasks). */
export const RELATED_TASK = 'io.modelcontextprotocol/related-task';

const Implementation = z.looseObject({ name: z.string(), version: z.string() });
const Capabilities = z.record(z.string(), z.unknown());

export const InitializeParams = z.looseObject({
  protocolVersion: z.string(),
  capabilities: Capabilities,
  clientInfo: Implementation,
});
export type InitializeParams = z.infer<typeof InitializeParams>;

export const InitializeResult = z.looseObject({
  protocolVersion: z.string(),
  capabilities: z.looseObject({
    tools: z.looseObject({ listChanged: z.boolean().optional() }).optional(),
    prompts: z.looseObject({ listChanged: z.boolean().optional() }).optional(),
    resources: z
      .looseObject({ listChanged: z.boolean().optional(), subscribe: z.boolean().optional() })
      .optional(),
    logging: z.unknown().optional(),
    completions: z.unknown().optional(),
  }),
  serverInfo: Implementation,
  instructions: z.string().optional(),
  _meta: z.record(z.string(), z.unknown()).optional(),
});
export type InitializeResult = z.infer<typeof InitializeResult>;

export const Tool = z.looseObject({ name: z.string().min(1), inputSchema: z.unknown() });
export type Tool = z.infer<typeof Tool>;
export const Prompt = z.looseObject({ name: z.string().min(1) });
export type Prompt = z.infer<typeof Prompt>;
export const Resource = z.looseObject({ uri: z.string(), name: z.string() });
export type Resource = z.infer<typeof Resource>;
export const ResourceTemplate = z.looseObject({ uriTemplate: z.string(), name: z.string() });
export type ResourceTemplate = z.infer<typeof ResourceTemplate>;

const page = <K extends string, T extends z.ZodType>(key: K, item: T) =>
  z.looseObject({ [key]: z.array(item), nextCursor: z.string().optional() } as { [P in K]: z.ZodArray<T> } & {
    nextCursor: z.ZodOptional<z.ZodString>;
  });

/** The four list kinds the proxy merges: method, result key, item schema, list_changed name. */
export const ListKinds = {
  tools: { method: Method.toolsList, key: 'tools', schema: page('tools', Tool), changed: Notification.toolsListChanged },
  prompts: {
    method: Method.promptsList,
    key: 'prompts',
    schema: page('prompts', Prompt),
    changed: Notification.promptsListChanged,
  },
  resources: {
    method: Method.resourcesList,
    key: 'resources',
    schema: page('resources', Resource),
    changed: Notification.resourcesListChanged,
  },
  resourceTemplates: {
    method: Method.resourcesTemplatesList,
    key: 'resourceTemplates',
    schema: page('resourceTemplates', ResourceTemplate),
    changed: Notification.resourcesListChanged,
  },
} as const;
export type ListKind = keyof typeof ListKinds;

export const NamedParams = z.looseObject({ name: z.string() });
export const UriParams = z.looseObject({ uri: z.string() });
export const CompleteParams = z.looseObject({
  ref: z.union([
    z.looseObject({ type: z.literal('ref/prompt'), name: z.string() }),
    z.looseObject({ type: z.literal('ref/resource'), uri: z.string() }),
  ]),
});
export const LoggingLevels = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export const SetLevelParams = z.looseObject({ level: z.enum(LoggingLevels) });
export const CancelledParams = z.looseObject({ requestId: z.union([z.string(), z.number()]), reason: z.string().optional() });
export const ProgressParams = z.looseObject({ progressToken: z.union([z.string(), z.number()]), progress: z.number() });

/** Short, human description of the first zod issue, for -32602 messages. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid params';
  const path = issue.path.length ? issue.path.join('.') : '(params)';
  return `${path}: ${issue.message}`;
}
