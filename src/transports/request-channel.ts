// The channel of one MCP 2026-07-28 request: the router reads that request from it and writes
// its answer and what relates to it (progress, logs, a listen stream's notifications) into it.
// Where those go is the front's business (the request's POST, or the shared stdio stream); the
// channel closes itself once the answer to its request is written.
import type { Message } from 'vscode-jsonrpc/node';
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import { channelOf, McpWriter, type MessageChannel } from './channel.js';
import { PushReader } from './push-reader.js';

export interface RequestSink {
  /** One message for the client; `final`: the answer to the request (nothing follows it). */
  write(text: string, msg: Message | undefined, final: boolean): void;
  /** The router is done with the request (answered, or its session closed). */
  end(): void;
}

class RequestWriter extends McpWriter {
  private ended = false;

  constructor(
    private readonly requestId: JsonRpcId,
    private readonly sink: RequestSink,
  ) {
    super();
  }

  sendText(text: string, msg?: Message): void {
    if (this.ended) return;
    const m = msg as { id?: unknown; method?: unknown } | undefined;
    const final = m !== undefined && m.method === undefined && m.id === this.requestId;
    this.sink.write(text, msg, final);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink.end();
    this.fireClose();
  }
}

export function requestChannel(requestId: JsonRpcId, sink: RequestSink): MessageChannel & { reader: PushReader } {
  return channelOf(new PushReader(), new RequestWriter(requestId, sink));
}
