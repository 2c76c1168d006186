/**
 * The inbox (Conversas): its types, calls and server state (docs/api.md,
 * "Routes: agents, leads and messages"). Keys live under the workspace's
 * (['ws', wid, 'inbox', …]), so the live stream's "refetch" is one
 * invalidation and switching workspace never shows another one's leads.
 */
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type InfiniteData,
} from '@tanstack/react-query';
import { api } from './client';
import { workspaceKeys } from './workspaceQueries';

export type Stage = 'new' | 'engaged' | 'qualified' | 'won' | 'lost';
export const STAGES: Stage[] = ['new', 'engaged', 'qualified', 'won', 'lost'];
export type Author = 'lead' | 'agent' | 'person';

export interface InboxLead {
  id: string;
  name: string;
  phone: string;
  stage: Stage;
  ownerId: string | null;
  ownerName: string | null;
  agentId: string | null;
  agentName: string | null;
  crmId: string | null;
  lastMessageAt: string;
  takenOver: boolean;
  createdAt: string;
  lastMessage: { text: string; author: Author; type: string } | null;
  unread: number;
  windowClosesAt: string | null;
}

export type MessageStatus = 'received' | 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

export interface Message {
  id: string;
  direction: 'in' | 'out';
  author: Author;
  type: string;
  text: string;
  status: MessageStatus;
  createdAt: string;
  sources: Record<string, unknown>[];
  media: { id: string; mimeType: string | null } | null;
  metadata: Record<string, unknown> | null;
  error: { code: number | null; title: string | null } | null;
}

export interface Note {
  id: string;
  authorId: string | null;
  authorName: string | null;
  text: string;
  createdAt: string;
}

export interface AgentSummary {
  id: string;
  name: string;
}

export interface InboxFilter {
  /** '' any; 'me' mine; 'none' unassigned. */
  owner: '' | 'me' | 'none';
  takenOver: boolean;
  agentId: string;
  stage: '' | Stage;
  q: string;
}

export const emptyFilter: InboxFilter = { owner: '', takenOver: false, agentId: '', stage: '', q: '' };

interface LeadsPage {
  leads: InboxLead[];
  nextCursor: string | null;
}
interface MessagesPage {
  messages: Message[];
  nextCursor: string | null;
}
interface NotesPage {
  notes: Note[];
  nextCursor: string | null;
}

const ws = (wid: string) => `/api/v1/workspaces/${encodeURIComponent(wid)}`;
const lead = (wid: string, id: string) => `${ws(wid)}/leads/${encodeURIComponent(id)}`;

/** The list's query string: only the filters that are set. */
export function filterQuery(f: InboxFilter, cursor: string | null): string {
  const p = new URLSearchParams();
  if (f.owner) p.set('owner', f.owner);
  if (f.takenOver) p.set('takenOver', 'true');
  if (f.agentId) p.set('agentId', f.agentId);
  if (f.stage) p.set('stage', f.stage);
  const q = f.q.trim();
  if (q) p.set('q', q);
  if (cursor) p.set('cursor', cursor);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const inboxApi = {
  leads: (wid: string, f: InboxFilter, cursor: string | null, signal?: AbortSignal) =>
    api.get<LeadsPage>(`${ws(wid)}/leads${filterQuery(f, cursor)}`, { signal }),
  lead: (wid: string, id: string) =>
    api.get<{ lead: InboxLead }>(lead(wid, id)).then((b) => b.lead),
  patch: (wid: string, id: string, body: { takenOver?: boolean; ownerId?: string | null }) =>
    api.patch<{ lead: InboxLead }>(lead(wid, id), body).then((b) => b.lead),
  read: (wid: string, id: string, messageId: string) =>
    api.post<{ lead: InboxLead }>(`${lead(wid, id)}/read`, { messageId }).then((b) => b.lead),
  messages: (wid: string, id: string, cursor: string | null, signal?: AbortSignal) =>
    api.get<MessagesPage>(
      `${lead(wid, id)}/messages${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
      { signal },
    ),
  send: (wid: string, id: string, text: string) =>
    api.post<{ message: Message }>(`${lead(wid, id)}/messages`, { text }).then((b) => b.message),
  notes: (wid: string, id: string, cursor: string | null, signal?: AbortSignal) =>
    api.get<NotesPage>(
      `${lead(wid, id)}/notes${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
      { signal },
    ),
  addNote: (wid: string, id: string, text: string) =>
    api.post<{ note: Note }>(`${lead(wid, id)}/notes`, { text }).then((b) => b.note),
  agents: (wid: string) =>
    api.get<{ agents: AgentSummary[] }>(`${ws(wid)}/agents`).then((b) => b.agents),
};

export const inboxKeys = {
  all: (wid: string) => [...workspaceKeys.all(wid), 'inbox'] as const,
  lists: (wid: string) => [...workspaceKeys.all(wid), 'inbox', 'leads'] as const,
  list: (wid: string, f: InboxFilter) => [...workspaceKeys.all(wid), 'inbox', 'leads', f] as const,
  lead: (wid: string, id: string) => [...workspaceKeys.all(wid), 'inbox', 'lead', id] as const,
  messages: (wid: string, id: string) =>
    [...workspaceKeys.all(wid), 'inbox', 'messages', id] as const,
  notes: (wid: string, id: string) => [...workspaceKeys.all(wid), 'inbox', 'notes', id] as const,
  agents: (wid: string) => [...workspaceKeys.all(wid), 'inbox', 'agents'] as const,
};

export function useInboxLeads(wid: string, f: InboxFilter) {
  return useInfiniteQuery({
    queryKey: inboxKeys.list(wid, f),
    queryFn: ({ pageParam, signal }) => inboxApi.leads(wid, f, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor || null,
    staleTime: 10_000,
  });
}

export function useInboxLead(wid: string, id: string | undefined) {
  return useQuery({
    queryKey: inboxKeys.lead(wid, id ?? ''),
    queryFn: () => inboxApi.lead(wid, id ?? ''),
    enabled: !!id,
    staleTime: 10_000,
  });
}

export function useMessages(wid: string, id: string | undefined) {
  return useInfiniteQuery({
    queryKey: inboxKeys.messages(wid, id ?? ''),
    queryFn: ({ pageParam, signal }) => inboxApi.messages(wid, id ?? '', pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor || null,
    enabled: !!id,
    staleTime: 10_000,
  });
}

export function useNotes(wid: string, id: string | undefined, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: inboxKeys.notes(wid, id ?? ''),
    queryFn: ({ pageParam, signal }) => inboxApi.notes(wid, id ?? '', pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor || null,
    enabled: !!id && enabled,
  });
}

export function useAgentsForFilter(wid: string) {
  return useQuery({ queryKey: inboxKeys.agents(wid), queryFn: () => inboxApi.agents(wid) });
}

/** A lead as the server answered: into its own query, and the lists refetch. */
function useLeadChanged(wid: string) {
  const qc = useQueryClient();
  return (l: InboxLead) => {
    qc.setQueryData(inboxKeys.lead(wid, l.id), l);
    void qc.invalidateQueries({ queryKey: inboxKeys.lists(wid) });
  };
}

export function useTakeOver(wid: string, id: string) {
  const changed = useLeadChanged(wid);
  return useMutation({
    mutationFn: (body: { takenOver: boolean; ownerId?: string | null }) =>
      inboxApi.patch(wid, id, body),
    onSuccess: changed,
  });
}

export function useMarkRead(wid: string, id: string) {
  const changed = useLeadChanged(wid);
  return useMutation({
    mutationFn: (messageId: string) => inboxApi.read(wid, id, messageId),
    onSuccess: changed,
  });
}

/** Puts a message into the first page of a conversation's cache (newest first), once. */
export function withMessage(
  data: InfiniteData<MessagesPage, string | null> | undefined,
  m: Message,
): InfiniteData<MessagesPage, string | null> | undefined {
  if (!data || data.pages.length === 0) return data;
  if (data.pages.some((p) => p.messages.some((x) => x.id === m.id))) return data;
  const [first, ...rest] = data.pages;
  return { ...data, pages: [{ ...first!, messages: [m, ...first!.messages] }, ...rest] };
}

export function useSendReply(wid: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (text: string) => inboxApi.send(wid, id, text),
    onSuccess: (m) => {
      qc.setQueryData<InfiniteData<MessagesPage, string | null>>(inboxKeys.messages(wid, id), (d) =>
        withMessage(d, m),
      );
      void qc.invalidateQueries({ queryKey: inboxKeys.lists(wid) });
    },
  });
}

export function useAddNote(wid: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (text: string) => inboxApi.addNote(wid, id, text),
    onSuccess: () => void qc.invalidateQueries({ queryKey: inboxKeys.notes(wid, id) }),
  });
}

/* ------------------------------------------------------------------ */
/* Delivery ticks: forward only                                        */
/* ------------------------------------------------------------------ */

const RANK: Record<MessageStatus, number> = {
  received: 0,
  pending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
};

/**
 * The later of two statuses of one message: sent → delivered → read, and
 * failed is final. A late answer (a refetch that raced an event, a page
 * read from a replica of the past) never moves a tick back.
 */
export function laterStatus(a: MessageStatus | undefined, b: MessageStatus): MessageStatus {
  if (!a) return b;
  if (a === 'failed' || b === 'failed') return 'failed';
  return RANK[b] > RANK[a] ? b : a;
}

/* ------------------------------------------------------------------ */
/* The 24-hour window                                                  */
/* ------------------------------------------------------------------ */

/** Milliseconds left in the window (0 when closed or never opened). */
export function windowLeftMs(closesAt: string | null, now: number): number {
  if (!closesAt) return 0;
  const t = new Date(closesAt).getTime();
  return Number.isNaN(t) ? 0 : Math.max(0, t - now);
}
