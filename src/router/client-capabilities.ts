// Which client capability a backend's request to a client needs. A session that did not declare
// it is never asked: the backend gets an error instead (the spec forbids sending it on).
import { Method } from '../../protocol/mcp.js';

/** Task-augmented requests a client can run as tasks: method → path under capabilities.tasks.requests. */
const TASK_REQUESTS: Record<string, [string, string]> = {
  [Method.samplingCreateMessage]: ['sampling', 'createMessage'],
  [Method.elicitationCreate]: ['elicitation', 'create'],
};

/** The dotted name of the capability the request needs and the client lacks; undefined when it may be sent. */
export function missingCapability(caps: Record<string, any>, method: string, params: Record<string, any> | undefined): string | undefined {
  switch (method) {
    case Method.samplingCreateMessage:
      if (!caps.sampling) return 'sampling';
      if (params?.tools !== undefined && !caps.sampling.tools) return 'sampling.tools';
      if (params?.includeContext !== undefined && params.includeContext !== 'none' && !caps.sampling.context) return 'sampling.context';
      break;
    case Method.elicitationCreate: {
      const e = caps.elicitation;
      if (!e) return 'elicitation';
      // `elicitation: {}` (no modes named) means form mode, as before modes existed.
      const mode = params?.mode ?? 'form';
      if (mode === 'url' && !e.url) return 'elicitation.url';
      if (mode === 'form' && (e.url !== undefined || e.form !== undefined) && !e.form) return 'elicitation.form';
      break;
    }
    case Method.rootsList:
      if (!caps.roots) return 'roots';
      break;
    case Method.tasksList:
      if (!caps.tasks?.list) return 'tasks.list';
      break;
    case Method.tasksCancel:
      if (!caps.tasks?.cancel) return 'tasks.cancel';
      break;
  }
  if (params?.task !== undefined) {
    const path = TASK_REQUESTS[method];
    if (!path || !caps.tasks?.requests?.[path[0]]?.[path[1]]) return `tasks.requests.${path ? path.join('.') : method}`;
  }
  return undefined;
}
