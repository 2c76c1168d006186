/**
 * The workspace's live updates (GET /api/v1/workspaces/{wid}/events, docs/api.md):
 * one EventSource per open workspace, with credentials (the api. origin in
 * the cross-origin topology).
 *
 * Catching up: while the browser keeps the EventSource, it reconnects by
 * itself after `retry:` and sends Last-Event-ID, and the server replays
 * what was missed. When the server answers `reset` (the log no longer has
 * it), or when the EventSource itself had to be recreated (it closed on an
 * error answer, or the page was away), the events in between are unknown:
 * `onStale` tells the page to refetch what it shows.
 */
import { apiUrl } from './client';

export type LiveEventKind = 'message.created' | 'message.status' | 'lead.updated' | 'note.created';

export interface LiveEvent {
  id: number;
  kind: LiveEventKind;
  leadId: string;
  data: Record<string, unknown>;
}

export interface LiveHandlers {
  onEvent: (ev: LiveEvent) => void;
  /** Something may have been missed: refetch. */
  onStale: () => void;
  /** Connected (true) or waiting to reconnect (false). */
  onStatus?: (connected: boolean) => void;
}

const KINDS: LiveEventKind[] = ['message.created', 'message.status', 'lead.updated', 'note.created'];
/* Back-off between new EventSources after one closed for good (ms). */
const RETRY_MIN = 1_000;
const RETRY_MAX = 30_000;

type Source = Pick<EventSource, 'addEventListener' | 'close' | 'readyState'> & {
  onopen: ((this: EventSource, ev: Event) => unknown) | null;
  onerror: ((this: EventSource, ev: Event) => unknown) | null;
};
export type SourceFactory = (url: string) => Source;

const defaultFactory: SourceFactory = (url) => new EventSource(url, { withCredentials: true });

/** Parses one event's data; null for anything without a leadId. */
export function parseLiveEvent(kind: string, id: string, data: string): LiveEvent | null {
  if (!KINDS.includes(kind as LiveEventKind)) return null;
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n < 1) return null;
  try {
    const obj: unknown = JSON.parse(data);
    if (!obj || typeof obj !== 'object') return null;
    const leadId = (obj as Record<string, unknown>).leadId;
    if (typeof leadId !== 'string' || !leadId) return null;
    return { id: n, kind: kind as LiveEventKind, leadId, data: obj as Record<string, unknown> };
  } catch {
    return null;
  }
}

/**
 * Follows workspace wid until the returned function is called. Events are
 * delivered once each, in increasing id order (a replayed duplicate is dropped).
 */
export function followWorkspace(
  wid: string,
  handlers: LiveHandlers,
  factory: SourceFactory = defaultFactory,
): () => void {
  const url = apiUrl(`/api/v1/workspaces/${encodeURIComponent(wid)}/events`);
  let source: Source | null = null;
  let lastId = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let delay = RETRY_MIN;
  let opened = false;

  const open = () => {
    if (stopped) return;
    const s = factory(url);
    source = s;
    s.onopen = () => {
      delay = RETRY_MIN;
      handlers.onStatus?.(true);
      // A new EventSource starts at the present: what came before it is unknown.
      if (opened) handlers.onStale();
      opened = true;
    };
    s.onerror = () => {
      handlers.onStatus?.(false);
      // CLOSED (2): the browser gave up (an error answer); start again, later.
      if (s.readyState === 2 && !stopped) {
        s.close();
        timer = setTimeout(open, delay);
        delay = Math.min(delay * 2, RETRY_MAX);
      }
    };
    s.addEventListener('reset', (e) => {
      const n = Number((e as MessageEvent).lastEventId);
      if (Number.isSafeInteger(n)) lastId = n;
      handlers.onStale();
    });
    for (const kind of KINDS) {
      s.addEventListener(kind, (e) => {
        const me = e as MessageEvent<string>;
        const ev = parseLiveEvent(kind, me.lastEventId, me.data);
        if (!ev || ev.id <= lastId) return;
        lastId = ev.id;
        handlers.onEvent(ev);
      });
    }
  };

  open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    source?.close();
  };
}

/** Refetches batched this long after the first event of a burst (ms). */
export const LIVE_BATCH_MS = 250;

/** What came in during one batch: the events, and whether anything may have been missed. */
export interface LiveBatch {
  events: LiveEvent[];
  stale: boolean;
}

/**
 * followWorkspace, delivered in batches: a burst of events (a conversation
 * with many status ticks, a reconnect's replay) becomes one onBatch call
 * LIVE_BATCH_MS after its first event, so a page refetches each thing once.
 */
export function followWorkspaceBatched(
  wid: string,
  handlers: { onBatch: (b: LiveBatch) => void; onStatus?: (connected: boolean) => void },
  factory?: SourceFactory,
): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let batch: LiveBatch = { events: [], stale: false };
  const flush = () => {
    timer = null;
    const b = batch;
    batch = { events: [], stale: false };
    handlers.onBatch(b);
  };
  const schedule = () => {
    timer ??= setTimeout(flush, LIVE_BATCH_MS);
  };
  const stop = followWorkspace(
    wid,
    {
      onEvent: (ev) => {
        batch.events.push(ev);
        schedule();
      },
      onStale: () => {
        batch.stale = true;
        schedule();
      },
      onStatus: handlers.onStatus,
    },
    factory,
  );
  return () => {
    stop();
    if (timer) clearTimeout(timer);
  };
}
