import { vi } from 'vitest';

export interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

type Reply = Response | ((call: Call) => Response);

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const problem = status >= 400;
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: {
      'Content-Type': problem ? 'application/problem+json' : 'application/json',
      ...headers,
    },
  });
}

export function problem(
  status: number,
  code: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return json(
    status,
    { type: `https://piloto.app/problems/${code}`, code, title: code, status, ...extra },
    headers,
  );
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

/**
 * Replaces fetch with a router: each request goes to the first route whose
 * "METHOD /path" key matches; a route given a list answers in turn.
 */
export function mockFetch(routes: Record<string, Reply | Reply[]>) {
  const calls: Call[] = [];
  const counters: Record<string, number> = {};
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = { ...((init.headers as Record<string, string>) ?? {}) };
    const call: Call = {
      url,
      method,
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
    };
    calls.push(call);
    const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0];
    const key = `${method} ${path}`;
    const route = routes[key];
    if (!route) {
      console.error(`unexpected request ${key}`);
      throw new Error(`unexpected request ${key}`);
    }
    let reply: Reply;
    if (Array.isArray(route)) {
      const i = counters[key] ?? 0;
      counters[key] = i + 1;
      reply = route[Math.min(i, route.length - 1)]!;
    } else {
      reply = route;
    }
    return typeof reply === 'function' ? reply(call) : reply.clone();
  });
  vi.stubGlobal('fetch', fn);
  return { calls, fn };
}
