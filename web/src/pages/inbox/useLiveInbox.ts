/**
 * The inbox follows the workspace's event stream (api/events.ts), in
 * batches (followWorkspaceBatched): each batch refetches what its events
 * touch, once — a conversation's messages (a new message, a status tick:
 * only the messages), its notes, the lead and the lists — and a `reset` (or
 * a stream that had to be recreated: the server restarted, the network
 * dropped) refetches all of the inbox, so the page catches up with whatever
 * it missed.
 */
import { useEffect, useState } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { followWorkspaceBatched, type LiveEvent, type SourceFactory } from '@/api/events';
import { inboxKeys } from '@/api/inbox';

/** The queries a batch of events touches, each once (by its key). */
export function inboxKeysTouched(wid: string, events: LiveEvent[]): QueryKey[] {
  const keys = new Map<string, QueryKey>();
  const add = (k: QueryKey) => keys.set(JSON.stringify(k), k);
  for (const ev of events) {
    if (ev.kind === 'note.created') {
      add(inboxKeys.notes(wid, ev.leadId));
    } else if (ev.kind === 'message.status') {
      add(inboxKeys.messages(wid, ev.leadId));
    } else {
      if (ev.kind === 'message.created') add(inboxKeys.messages(wid, ev.leadId));
      add(inboxKeys.lead(wid, ev.leadId));
      add(inboxKeys.lists(wid));
    }
  }
  return [...keys.values()];
}

/** null: connecting; then whether the stream is open. */
export function useLiveInbox(wid: string, factory?: SourceFactory): boolean | null {
  const qc = useQueryClient();
  const [connected, setConnected] = useState<boolean | null>(null);

  useEffect(() => {
    if (!factory && typeof EventSource === 'undefined') return undefined;
    return followWorkspaceBatched(
      wid,
      {
        onBatch: ({ events, stale }) => {
          if (stale) {
            void qc.invalidateQueries({ queryKey: inboxKeys.all(wid) });
            return;
          }
          for (const queryKey of inboxKeysTouched(wid, events)) void qc.invalidateQueries({ queryKey });
        },
        onStatus: setConnected,
      },
      factory,
    );
  }, [wid, qc, factory]);

  return connected;
}
