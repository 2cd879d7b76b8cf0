import type { RequestBody } from '../shared/readHttpRequest';
import type { Agent, AgentContext, AgentMethod } from './agentMethod';
import { appointmentAgent } from './appointmentAgent';
import { archiveAgent } from './archiveAgent';
import { associateAgent } from './associateAgent';
import { badRequest, InvalidRequestError, methodNotAllowed, notFound, type ApiResponse } from './apiResponses';
import { contactAgent } from './contactAgent';
import { documentAgent } from './documentAgent';
import { foreignSystemAgent } from './foreignSystemAgent';
import { personAgent } from './personAgent';
import { sentryAgent } from './sentryAgent';

const AGENTS: Readonly<Record<string, Agent>> = {
  Appointment: appointmentAgent,
  Archive: archiveAgent,
  Associate: associateAgent,
  Contact: contactAgent,
  Document: documentAgent,
  ForeignSystem: foreignSystemAgent,
  Person: personAgent,
  Sentry: sentryAgent,
};

export interface AgentRequest {
  method: string;
  /** The path below the tenant: `/api/v1/Agents/Archive/GetArchiveListByColumns2`. */
  path: string;
  rawQuery: string;
  body: RequestBody;
}

/** `POST api/v1/Agents/{Agent}/{Method}` (segments matched case-insensitively, as ASP.NET routes). */
export function routeAgentRequest(context: AgentContext, request: AgentRequest): ApiResponse {
  const segments = request.path.split('/').filter((segment) => segment !== '');
  const [api, version, agents, agentName, methodName, ...rest] = segments;
  const prefixMatches =
    api?.toLowerCase() === 'api' && version?.toLowerCase() === 'v1' && agents?.toLowerCase() === 'agents';
  const method =
    prefixMatches && rest.length === 0 && agentName !== undefined && methodName !== undefined
      ? findMethod(agentName, methodName)
      : undefined;
  if (method === undefined) return notFound(`No agent method at ${request.path}.`);
  if (request.method !== 'POST') return methodNotAllowed();
  if (request.body.kind === 'malformed') return badRequest('The request body is not valid JSON.');
  try {
    return method(context, {
      rawQuery: request.rawQuery,
      body: request.body.kind === 'json' ? request.body.value : undefined,
    });
  } catch (error) {
    if (error instanceof InvalidRequestError) return badRequest(error.message);
    throw error;
  }
}

function findMethod(agentName: string, methodName: string): AgentMethod | undefined {
  const agent = lookup(AGENTS, agentName);
  return agent === undefined ? undefined : lookup(agent, methodName);
}

function lookup<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(table).find(([key]) => key.toLowerCase() === wanted)?.[1];
}
