import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import axios, { isAxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import * as webapi from '@superoffice/webapi';
import type { RequestBudget, RequestPurpose } from '../crm/requestBudget';
import { parseRetryAfter } from '../core';
import type { SuperOfficeAgents } from '../superoffice-script/superOfficeApi';
import { NotJsonAnswer, superOfficeOperation } from './mapSuperOfficeFailure';
import type { SuperOfficeAuthorizer } from './superOfficeOptions';

/** How one tenant is reached; the connector keeps these for its lifetime (one keep-alive pool per tenant). */
export interface WebApiTransport {
  baseUrl: string;
  authorizer: SuperOfficeAuthorizer;
  httpAgent: HttpAgent;
  httpsAgent: HttpsAgent;
  timeoutMs: number;
  budget?: RequestBudget | undefined;
}

/** The agents for one delivery (or check, or probe), and what they cost. */
export interface WebApiSession {
  agents: SuperOfficeAgents;
  /** Requests sent so far through these agents (a retried 401 counts twice: it was sent twice). */
  calls(): number;
}

/** Headers the credentials own: whatever else set them (the package's global options) is removed first. */
const AUTH_HEADERS = ['Authorization', 'SO-AppToken'];

/**
 * The endpoint script's `SuperOfficeAgents`, built from the real @superoffice/webapi agent classes for one tenant:
 * each gets the tenant's base URL, an explicit (empty) `axiosConfig` and an axios instance made here — so nothing is
 * taken from the package's process-wide `_global_options`, which the first agent ever constructed fills and every
 * later one falls back to [verified: PKG `dist/cjs/WebApiBase.js` `FigureOutOptions`, `_global_options`]; and never
 * the static `authenticateWith*`/`applicationToken` helpers, which set headers for every tenant in the process
 * (shared/specs/superoffice.md §3.1). Before every request: the budget (`purpose`), the call count, the
 * authorizer's headers, the signal. On a 401 the authorizer says whether asking again may help (an exchanged
 * ticket that expired); then that request is sent once more with fresh headers.
 */
export function webApiSession(
  transport: WebApiTransport,
  purpose: RequestPurpose,
  signal?: AbortSignal,
): WebApiSession {
  let calls = 0;
  const answered = new WeakMap<object, () => void>();
  const instance = axios.create({
    timeout: transport.timeoutMs,
    httpAgent: transport.httpAgent,
    httpsAgent: transport.httpsAgent,
    // Environment proxies are not followed (as on the Lime side), and a redirect is not: a 3xx from the WebAPI
    // is unexpected, and following it could carry the credentials to another host.
    proxy: false,
    maxRedirects: 0,
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'dci-crm-companion' },
  });

  const release = (config: object | undefined): void => {
    if (config === undefined) return;
    answered.get(config)?.();
    answered.delete(config);
  };

  instance.interceptors.request.use(async (config: InternalAxiosRequestConfig) => {
    signal?.throwIfAborted();
    const granted = await transport.budget?.take(purpose, signal);
    if (typeof granted === 'function') answered.set(config, granted);
    try {
      const headers = await transport.authorizer.headers(signal);
      for (const name of AUTH_HEADERS) config.headers.delete(name);
      for (const [name, value] of Object.entries(headers)) config.headers.set(name, value);
    } catch (error) {
      release(config);
      throw error;
    }
    if (signal !== undefined) config.signal = signal;
    calls += 1;
    return config;
  });

  instance.interceptors.response.use(
    (response: AxiosResponse) => {
      release(response.config);
      const type = String(response.headers['content-type'] ?? '');
      const data: unknown = response.data;
      const empty = data === undefined || data === '' || response.status === 204;
      if (!/[/+]json\b/iu.test(type) && !empty) {
        throw new NotJsonAnswer(superOfficeOperation(response.config), response.status);
      }
      return response;
    },
    async (error: unknown) => {
      if (!isAxiosError(error)) throw error;
      const { config } = error;
      release(config);
      const status = error.response?.status;
      if (status === 429) {
        const retryAfter = error.response?.headers['retry-after'] as unknown;
        transport.budget?.rateLimited(typeof retryAfter === 'string' ? parseRetryAfter(retryAfter) : undefined);
      }
      // Marked on the config itself: axios merges the config it is given into a new object on every request.
      const retry = config as (typeof config & { dciAuthRetried?: boolean }) | undefined;
      if (status === 401 && retry !== undefined && retry.dciAuthRetried !== true) {
        // The Authorization this request carried: the authorizer drops its ticket only if it is still that one.
        const sent = retry.headers.get('Authorization');
        if (transport.authorizer.rejected({ Authorization: typeof sent === 'string' ? sent : undefined })) {
          return instance.request({ ...retry, dciAuthRetried: true } as typeof retry);
        }
      }
      throw error;
    },
  );

  const options = () => ({ baseUrl: transport.baseUrl, axios: instance, axiosConfig: {} });
  return {
    agents: {
      archive: new webapi.ArchiveAgent(options()),
      appointment: new webapi.AppointmentAgent(options()),
      associate: new webapi.AssociateAgent(options()),
      contact: new webapi.ContactAgent(options()),
      person: new webapi.PersonAgent(options()),
      foreignSystem: new webapi.ForeignSystemAgent(options()),
      sentry: new webapi.SentryAgent(options()),
      document: new webapi.DocumentAgent(options()),
    },
    calls: () => calls,
  };
}
