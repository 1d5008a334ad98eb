// Task ids across the proxy (2025-11-25 tasks). A task is run either by a backend (a client's
// task-augmented tools/call) or by a client (a backend's task-augmented sampling or elicitation).
// Runners pick their own ids, unique only for themselves, so every task gets a proxy id that is
// unique across backends and sessions; messages are rewritten between the two on the way.
import { randomUUID } from 'node:crypto';
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import { RELATED_TASK } from '../../protocol/mcp.js';
import type { Link } from './exchange-types.js';
import type { ClientSession } from './session.js';

/** A task kept this long when its runner gave no ttl (or an unlimited one). */
export const DEFAULT_TASK_KEEP_MS = 24 * 60 * 60_000;
/** Per session: past this, the oldest task is forgotten. */
export const MAX_TASKS_PER_SESSION = 1000;

export interface TaskEntry {
  readonly proxyId: string;
  /** The session that asked for it (backend-run) or runs it (client-run). */
  readonly session: ClientSession;
  readonly link: Link;
  readonly runner: 'backend' | 'client';
  /** The id the runner gave it. */
  readonly runnerId: string;
  /** A backend task's progress keeps its request's token for the task's whole life (ours → the client's). */
  readonly progress?: { backendToken: number; clientToken: JsonRpcId };
  expires: number;
}

export class TaskTable {
  private readonly byProxy = new Map<string, TaskEntry>();
  private readonly byLink = new Map<Link, Map<string, TaskEntry>>();
  private readonly bySession = new Map<ClientSession, Map<string, TaskEntry>>();
  private readonly progress = new Map<Link, Map<number, TaskEntry>>();

  get size(): number {
    return this.byProxy.size;
  }

  /** Registers a task a runner just created; returns the proxy's id for it. */
  add(fields: Omit<TaskEntry, 'proxyId' | 'expires'>, ttl: unknown, now: number): TaskEntry {
    const keep = typeof ttl === 'number' && ttl > 0 ? Math.min(ttl, DEFAULT_TASK_KEEP_MS) : DEFAULT_TASK_KEEP_MS;
    const entry: TaskEntry = { ...fields, proxyId: randomUUID(), expires: now + keep };
    const own = mapOf(this.bySession, entry.session, () => new Map<string, TaskEntry>());
    if (own.size >= MAX_TASKS_PER_SESSION) this.remove(own.values().next().value!);
    this.byProxy.set(entry.proxyId, entry);
    own.set(entry.proxyId, entry);
    if (entry.runner === 'backend') mapOf(this.byLink, entry.link, () => new Map()).set(entry.runnerId, entry);
    if (entry.progress) mapOf(this.progress, entry.link, () => new Map()).set(entry.progress.backendToken, entry);
    return entry;
  }

  get(proxyId: unknown): TaskEntry | undefined {
    return typeof proxyId === 'string' ? this.byProxy.get(proxyId) : undefined;
  }

  /** A backend-run task by the backend's own id. */
  ofBackend(link: Link, runnerId: unknown): TaskEntry | undefined {
    return typeof runnerId === 'string' ? this.byLink.get(link)?.get(runnerId) : undefined;
  }

  /** A client-run task by the client's own id. */
  ofClient(session: ClientSession, runnerId: unknown): TaskEntry | undefined {
    if (typeof runnerId !== 'string') return undefined;
    for (const entry of this.bySession.get(session)?.values() ?? []) {
      if (entry.runner === 'client' && entry.runnerId === runnerId) return entry;
    }
    return undefined;
  }

  /** The backend task whose progress uses this token of ours. */
  ofProgress(link: Link, token: unknown): TaskEntry | undefined {
    return typeof token === 'number' ? this.progress.get(link)?.get(token) : undefined;
  }

  /** The sessions running tasks for this backend connection. */
  clientRunners(link: Link): Set<ClientSession> {
    const sessions = new Set<ClientSession>();
    for (const entry of this.byProxy.values()) if (entry.link === link && entry.runner === 'client') sessions.add(entry.session);
    return sessions;
  }

  remove(entry: TaskEntry): void {
    if (this.byProxy.get(entry.proxyId) !== entry) return;
    this.byProxy.delete(entry.proxyId);
    deleteIn(this.bySession, entry.session, entry.proxyId);
    if (entry.runner === 'backend') deleteIn(this.byLink, entry.link, entry.runnerId);
    if (entry.progress) deleteIn(this.progress, entry.link, entry.progress.backendToken);
  }

  dropSession(session: ClientSession): void {
    for (const entry of [...(this.bySession.get(session)?.values() ?? [])]) this.remove(entry);
  }

  dropLink(link: Link): void {
    for (const entry of [...this.byProxy.values()]) if (entry.link === link) this.remove(entry);
  }

  expire(now: number): void {
    for (const entry of [...this.byProxy.values()]) if (entry.expires <= now) this.remove(entry);
  }
}

function mapOf<K, V>(maps: Map<K, V>, key: K, create: () => V): V {
  let value = maps.get(key);
  if (value === undefined) maps.set(key, (value = create()));
  return value;
}

function deleteIn<K, I>(maps: Map<K, Map<I, unknown>>, key: K, inner: I): void {
  const map = maps.get(key);
  if (!map) return;
  map.delete(inner);
  if (map.size === 0) maps.delete(key);
}

/** The task id in `_meta["io.modelcontextprotocol/related-task"]` of params or a result. */
export function relatedTaskId(holder: Record<string, any> | undefined): unknown {
  return holder?._meta?.[RELATED_TASK]?.taskId;
}

/** Rewrites the related-task id in place, if there is one. */
export function setRelatedTaskId(holder: Record<string, any> | undefined, taskId: string): void {
  const related = holder?._meta?.[RELATED_TASK];
  if (related && typeof related === 'object') related.taskId = taskId;
}

/** Every place a task id can sit in a result: CreateTaskResult, Task, tasks/result's related-task. */
export function rewriteTaskResult(result: Record<string, any> | undefined, taskId: string): void {
  if (!result || typeof result !== 'object') return;
  if (result.task && typeof result.task === 'object') result.task.taskId = taskId;
  if (typeof result.taskId === 'string') result.taskId = taskId;
  setRelatedTaskId(result, taskId);
}
