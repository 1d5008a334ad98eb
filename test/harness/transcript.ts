// Reading a --record transcript (JSONL) for replay: each line keeps its 1-based line number so
// a divergence can point at the file, and is classified as input (fed to the proxy) or output
// (what the proxy must send).
import { readFileSync } from 'node:fs';
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import type { Direction, TranscriptEvent } from '../../src/record/recorder.js';

export type SetupEvent = Extract<TranscriptEvent, { type: 'setup' }>;

export interface Line {
  /** 1-based line number in the transcript file. */
  line: number;
  dir: Direction;
  peer: string;
  msg: any;
  /** Input only: the request (the proxy's id on that wire) the wire related the message to. */
  rel?: JsonRpcId;
}

export interface Transcript {
  setup: SetupEvent;
  /** Every line after the setup event, in file order. */
  lines: Line[];
}

export class TranscriptError extends Error {}

const DIRECTIONS = new Set<string>(['client>proxy', 'proxy>client', 'proxy>backend', 'backend>proxy', 'event']);

/** What the proxy sends: compared with what the replayed proxy sends. */
export function isOutput(line: Line): boolean {
  return line.dir === 'proxy>client' || line.dir === 'proxy>backend';
}

/** The key of an output stream: outputs are compared in order within one stream only. */
export function streamOf(dir: Direction, peer: string): string {
  return `${dir} ${peer}`;
}

export function readTranscript(file: string): Transcript {
  return parseTranscript(readFileSync(file, 'utf8'));
}

export function parseTranscript(text: string): Transcript {
  const lines: Line[] = [];
  let setup: SetupEvent | undefined;
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    let value: any;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new TranscriptError(`line ${line}: not JSON (${(e as Error).message})`);
    }
    if (!value || typeof value !== 'object' || !DIRECTIONS.has(value.dir) || typeof value.peer !== 'string' || !value.msg || typeof value.msg !== 'object') {
      throw new TranscriptError(`line ${line}: expected {t, dir, peer, msg} with dir one of ${[...DIRECTIONS].join(', ')}`);
    }
    if (value.rel !== undefined && typeof value.rel !== 'string' && typeof value.rel !== 'number') {
      throw new TranscriptError(`line ${line}: rel must be a request id (string or number)`);
    }
    if (value.dir === 'event' && value.msg.type === 'setup') {
      if (setup || lines.length > 0) throw new TranscriptError(`line ${line}: the setup event must be the first line, and only one`);
      setup = value.msg;
      return;
    }
    if (!setup) throw new TranscriptError(`line ${line}: the first line must be the setup event`);
    lines.push(value.rel === undefined ? { line, dir: value.dir, peer: value.peer, msg: value.msg } : { line, dir: value.dir, peer: value.peer, msg: value.msg, rel: value.rel });
  });
  if (!setup) throw new TranscriptError('empty transcript: no setup event');
  if (!Array.isArray(setup.servers)) throw new TranscriptError('setup event without servers');
  return { setup, lines };
}
