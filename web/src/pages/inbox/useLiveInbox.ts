/**
 * The inbox follows the workspace's event stream (api/events.ts): each
 * event refetches what it touches — a conversation's messages, its notes,
 * the lead and the lists — and a `reset` (or a stream that had to be
 * recreated: the server restarted, the network dropped) refetches all of
 * the inbox, so the page catches up with whatever it missed.
 */
import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { followWorkspace, type LiveEvent, type SourceFactory } from '@/api/events';
import { inboxKeys } from '@/api/inbox';

/** null: connecting; then whether the stream is open. */
export function useLiveInbox(wid: string, factory?: SourceFactory): boolean | null {
  const qc = useQueryClient();
  const [connected, setConnected] = useState<boolean | null>(null);

  useEffect(() => {
    if (!factory && typeof EventSource === 'undefined') return undefined;
    const onEvent = (ev: LiveEvent) => {
      if (ev.kind === 'note.created') {
        void qc.invalidateQueries({ queryKey: inboxKeys.notes(wid, ev.leadId) });
        return;
      }
      if (ev.kind === 'message.created' || ev.kind === 'message.status') {
        void qc.invalidateQueries({ queryKey: inboxKeys.messages(wid, ev.leadId) });
      }
      void qc.invalidateQueries({ queryKey: inboxKeys.lead(wid, ev.leadId) });
      void qc.invalidateQueries({ queryKey: inboxKeys.lists(wid) });
    };
    return followWorkspace(
      wid,
      {
        onEvent,
        onStale: () => void qc.invalidateQueries({ queryKey: inboxKeys.all(wid) }),
        onStatus: setConnected,
      },
      factory,
    );
  }, [wid, qc, factory]);

  return connected;
}
