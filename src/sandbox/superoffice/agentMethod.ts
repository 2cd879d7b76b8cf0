import type { ApiResponse } from './apiResponses';
import type { SerializeContext } from './serializeCarriers';

/** Everything an agent method may touch, for one authenticated request. */
export interface AgentContext extends SerializeContext {
  now: () => Date;
}

/** One agent call: the raw query (simple ids travel there) and the parsed JSON body (undefined when empty). */
export interface AgentCall {
  rawQuery: string;
  body: unknown;
}

export type AgentMethod = (context: AgentContext, call: AgentCall) => ApiResponse;

/** An agent's methods by their WebAPI name (`GetArchiveListByColumns2`). */
export type Agent = Readonly<Record<string, AgentMethod>>;
