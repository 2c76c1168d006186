/**
 * The pipeline's server state: the leads (by stage, with filters), one
 * lead, its messages and history, and the home page's summary
 * (docs/api.md). Keys live under the workspace's (['ws', wid, …]), so
 * switching workspace never shows another one's leads.
 *
 * Live: usePipelineLive follows the workspace's events (api/events.ts) and
 * refetches what a `lead.updated` or `message.created` touches, so a move
 * made in another browser shows here without a reload.
 */
import { useEffect, useState } from 'react';
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type InfiniteData,
} from '@tanstack/react-query';
import { api } from './client';
import { followWorkspaceBatched } from './events';
import { workspaceKeys } from './workspaceQueries';

export const STAGES = ['new', 'engaged', 'qualified', 'won', 'lost'] as const;
export type Stage = (typeof STAGES)[number];

export function isStage(s: string): s is Stage {
  return (STAGES as readonly string[]).includes(s);
}

export interface Lead {
  id: string;
  name: string;
  phone: string;
  stage: Stage;
  ownerId: string | null;
  agentId: string | null;
  crmId: string | null;
  lastMessageAt: string;
  takenOver: boolean;
  createdAt: string;
}

export interface LeadsPage {
  leads: Lead[];
  nextCursor: string | null;
}

export interface LeadMessage {
  id: number;
  direction: 'in' | 'out';
  author: 'lead' | 'agent' | 'person';
  type: string;
  text: string;
  status: string;
  createdAt: string;
}

export interface MessagesPage {
  messages: LeadMessage[];
  nextCursor: string | null;
}

export interface HistoryEntry {
  id: number;
  kind: 'stage' | 'takenOver';
  from: string;
  to: string;
  actor: 'person' | 'agent' | 'system';
  by: { id: string; name: string | null } | null;
  at: string;
}

export interface AgentSummary {
  id: string;
  name: string;
}

export interface Summary {
  checklist: {
    numberConnected: boolean;
    agentCreated: boolean;
    documentsReady: boolean;
    firstConversation: boolean;
  };
  today: {
    date: string;
    timeZone: string;
    since: string;
    newLeads: number;
    answeredByAgent: number;
    handoffs: number;
    qualified: number;
  };
}

/** The list's filters, as GET /leads takes them (empty = any). */
export interface LeadFilters {
  stage?: Stage | '';
  owner?: 'me' | 'none' | '';
  agentId?: string;
  takenOver?: 'true' | 'false' | '';
  q?: string;
}

export type LeadPatch = Partial<{ stage: Stage; ownerId: string | null; takenOver: boolean }>;

const ws = (wid: string) => `/api/v1/workspaces/${encodeURIComponent(wid)}`;
const leadPath = (wid: string, id: string) => `${ws(wid)}/leads/${encodeURIComponent(id)}`;

/** "?stage=…&owner=…" of the filters that are set, plus cursor and limit. */
export function leadsQuery(f: LeadFilters, cursor: string | null, limit: number): string {
  const p = new URLSearchParams();
  if (f.stage) p.set('stage', f.stage);
  if (f.owner) p.set('owner', f.owner);
  if (f.agentId) p.set('agentId', f.agentId);
  if (f.takenOver) p.set('takenOver', f.takenOver);
  const q = f.q?.trim();
  if (q) p.set('q', q);
  if (cursor) p.set('cursor', cursor);
  p.set('limit', String(limit));
  return `?${p.toString()}`;
}

export const pipelineApi = {
  leads: (wid: string, f: LeadFilters, cursor: string | null, limit: number, signal?: AbortSignal) =>
    api.get<LeadsPage>(`${ws(wid)}/leads${leadsQuery(f, cursor, limit)}`, { signal }),
  lead: (wid: string, id: string, signal?: AbortSignal) =>
    api.get<{ lead: Lead }>(leadPath(wid, id), { signal }).then((b) => b.lead),
  patch: (wid: string, id: string, patch: LeadPatch) =>
    api.patch<{ lead: Lead }>(leadPath(wid, id), patch).then((b) => b.lead),
  messages: (wid: string, id: string, cursor: string | null, signal?: AbortSignal) =>
    api.get<MessagesPage>(
      `${leadPath(wid, id)}/messages?limit=30${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { signal },
    ),
  history: (wid: string, id: string, signal?: AbortSignal) =>
    api.get<{ history: HistoryEntry[] }>(`${leadPath(wid, id)}/history`, { signal }).then((b) => b.history),
  agents: (wid: string, signal?: AbortSignal) =>
    api.get<{ agents: AgentSummary[] }>(`${ws(wid)}/agents`, { signal }).then((b) => b.agents),
  summary: (wid: string, signal?: AbortSignal) => api.get<Summary>(`${ws(wid)}/summary`, { signal }),
};

export const pipelineKeys = {
  leads: (wid: string) => [...workspaceKeys.all(wid), 'leads'] as const,
  list: (wid: string, f: LeadFilters) => [...workspaceKeys.all(wid), 'leads', 'list', f] as const,
  lead: (wid: string, id: string) => [...workspaceKeys.all(wid), 'leads', 'one', id] as const,
  messages: (wid: string, id: string) => [...workspaceKeys.all(wid), 'leads', 'messages', id] as const,
  history: (wid: string, id: string) => [...workspaceKeys.all(wid), 'leads', 'history', id] as const,
  agents: (wid: string) => [...workspaceKeys.all(wid), 'agents'] as const,
  summary: (wid: string) => [...workspaceKeys.all(wid), 'summary'] as const,
};

export const COLUMN_PAGE = 50;
export const TABLE_PAGE = 50;

/** One list of leads (a kanban column, or the table), page by page. */
export function useLeadList(wid: string, f: LeadFilters, limit: number) {
  return useInfiniteQuery({
    queryKey: pipelineKeys.list(wid, f),
    queryFn: ({ pageParam, signal }) => pipelineApi.leads(wid, f, pageParam, limit, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor || null,
  });
}

export function useLead(wid: string, id: string) {
  return useQuery({
    queryKey: pipelineKeys.lead(wid, id),
    queryFn: ({ signal }) => pipelineApi.lead(wid, id, signal),
  });
}

export function useLeadMessages(wid: string, id: string) {
  return useInfiniteQuery({
    queryKey: pipelineKeys.messages(wid, id),
    queryFn: ({ pageParam, signal }) => pipelineApi.messages(wid, id, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor || null,
  });
}

export function useLeadHistory(wid: string, id: string) {
  return useQuery({
    queryKey: pipelineKeys.history(wid, id),
    queryFn: ({ signal }) => pipelineApi.history(wid, id, signal),
  });
}

export function useAgentList(wid: string) {
  return useQuery({
    queryKey: pipelineKeys.agents(wid),
    queryFn: ({ signal }) => pipelineApi.agents(wid, signal),
  });
}

export function useSummary(wid: string) {
  return useQuery({
    queryKey: pipelineKeys.summary(wid),
    queryFn: ({ signal }) => pipelineApi.summary(wid, signal),
  });
}

/** Moves a lead in every cached list at once: out of the lists it left, into its new stage's. */
function placeInLists(data: InfiniteData<LeadsPage> | undefined, lead: Lead, f: LeadFilters) {
  if (!data) return data;
  const belongs = !f.stage || f.stage === lead.stage;
  const pages = data.pages.map((p) => ({ ...p, leads: p.leads.filter((l) => l.id !== lead.id) }));
  if (belongs && pages[0]) {
    const rest = pages[0].leads;
    const i = rest.findIndex((l) => l.lastMessageAt < lead.lastMessageAt);
    pages[0] = { ...pages[0], leads: i < 0 ? [...rest, lead] : [...rest.slice(0, i), lead, ...rest.slice(i)] };
  }
  return { ...data, pages };
}

/**
 * PATCH a lead. The move shows at once (each cached list gets the lead in
 * its new place); on failure the lists are refetched, on success the
 * server's answer replaces the guess and the lists refresh to agree.
 */
export function usePatchLead(wid: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; lead?: Lead; patch: LeadPatch }) =>
      pipelineApi.patch(wid, id, patch),
    onMutate: async ({ lead, patch }) => {
      if (!lead) return;
      await qc.cancelQueries({ queryKey: [...pipelineKeys.leads(wid), 'list'] });
      const guess: Lead = { ...lead, ...patch } as Lead;
      for (const [key, data] of qc.getQueriesData<InfiniteData<LeadsPage>>({
        queryKey: [...pipelineKeys.leads(wid), 'list'],
      })) {
        const f = (key[4] ?? {}) as LeadFilters;
        qc.setQueryData(key, placeInLists(data, guess, f));
      }
    },
    onSuccess: (lead) => {
      qc.setQueryData(pipelineKeys.lead(wid, lead.id), lead);
    },
    onSettled: (_lead, _err, { id }) => {
      void qc.invalidateQueries({ queryKey: pipelineKeys.leads(wid) });
      void qc.invalidateQueries({ queryKey: pipelineKeys.history(wid, id) });
      void qc.invalidateQueries({ queryKey: pipelineKeys.summary(wid) });
    },
  });
}

/**
 * Follows the workspace's live events while mounted: a lead's change or a
 * new message refetches the lead lists (and that lead's detail), a missed
 * stretch refetches everything of the pipeline. Returns whether connected.
 */
export function usePipelineLive(wid: string): boolean {
  const qc = useQueryClient();
  const [connected, setConnected] = useState(false);
  useEffect(
    () =>
      followWorkspaceBatched(wid, {
        onBatch: ({ events, stale }) => {
          void qc.invalidateQueries({ queryKey: [...pipelineKeys.leads(wid), 'list'] });
          void qc.invalidateQueries({ queryKey: pipelineKeys.summary(wid) });
          if (stale) {
            void qc.invalidateQueries({ queryKey: pipelineKeys.leads(wid) });
            return;
          }
          for (const id of new Set(events.map((ev) => ev.leadId))) {
            void qc.invalidateQueries({ queryKey: pipelineKeys.lead(wid, id) });
            void qc.invalidateQueries({ queryKey: pipelineKeys.history(wid, id) });
            void qc.invalidateQueries({ queryKey: pipelineKeys.messages(wid, id) });
          }
        },
        onStatus: setConnected,
      }),
    [qc, wid],
  );
  return connected;
}
