/**
 * Agents of a workspace (SPEC §11: /api/v1/workspaces/{wid}/agents), the
 * documents they may use, and the playground. Keys live under
 * ['ws', wid] like every workspace's data (workspaceQueries).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';

export type AgentStatus = 'active' | 'paused';

export interface Agent {
  id: string;
  name: string;
  persona: string;
  instructions: string;
  phoneNumberId: string;
  status: AgentStatus;
  /** The model the agent uses: its own, or the service's default (LLM_MODEL). */
  model: string;
  /** true: model is the service's default (a patch with model "" goes back to it). */
  defaultModel: boolean;
  temperature: number;
  /** true: every document of the workspace; else only documentIds. */
  allDocuments: boolean;
  documentIds: string[];
  debounceSeconds: number;
  handoffWords: string[];
  /** The number's token is write-only: the API only says one is set. */
  hasAccessToken: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What a create sends (all of it) or a patch (what changed). */
export interface AgentInput {
  name?: string;
  persona?: string;
  /** "" = the service's default model. */
  instructions?: string;
  phoneNumberId?: string;
  accessToken?: string;
  status?: AgentStatus;
  model?: string;
  temperature?: number;
  allDocuments?: boolean;
  documentIds?: string[];
  debounceSeconds?: number;
  handoffWords?: string[];
}

export interface KnowledgeDocument {
  id: string;
  filename: string;
  status: 'uploading' | 'indexing' | 'ready' | 'failed';
  chunks: number;
}

export interface PlaygroundTurn {
  author: 'lead' | 'agent';
  text: string;
}

export interface PlaygroundSource {
  chunkId: number;
  documentId: string;
  filename: string;
  text: string;
}

export interface PlaygroundAnswer {
  answer: string;
  sources: PlaygroundSource[];
  handoff: boolean;
  qualified: boolean;
  /** No model configured: the answer is an excerpt of the best chunk. */
  extractive: boolean;
  usage: { promptTokens: number; completionTokens: number };
}

const ws = (wid: string) => `/api/v1/workspaces/${encodeURIComponent(wid)}`;

export const agentsApi = {
  list: (wid: string) => api.get<{ agents: Agent[] }>(`${ws(wid)}/agents`).then((b) => b.agents),
  create: (wid: string, input: AgentInput) =>
    api.post<{ agent: Agent }>(`${ws(wid)}/agents`, input).then((b) => b.agent),
  update: (wid: string, id: string, input: AgentInput) =>
    api
      .patch<{ agent: Agent }>(`${ws(wid)}/agents/${encodeURIComponent(id)}`, input)
      .then((b) => b.agent),
  remove: (wid: string, id: string) => api.delete<void>(`${ws(wid)}/agents/${encodeURIComponent(id)}`),
  documents: (wid: string) =>
    api.get<{ documents: KnowledgeDocument[] }>(`${ws(wid)}/documents`).then((b) => b.documents),
  playground: (wid: string, id: string, message: string, history: PlaygroundTurn[]) =>
    api.post<PlaygroundAnswer>(`${ws(wid)}/agents/${encodeURIComponent(id)}/playground`, {
      message,
      history,
    }),
};

export const agentKeys = {
  list: (wid: string) => ['ws', wid, 'agents'] as const,
  documents: (wid: string) => ['ws', wid, 'documents'] as const,
};

export function useAgents(wid: string) {
  return useQuery({ queryKey: agentKeys.list(wid), queryFn: () => agentsApi.list(wid) });
}

export function useDocuments(wid: string, enabled = true) {
  return useQuery({
    queryKey: agentKeys.documents(wid),
    queryFn: () => agentsApi.documents(wid),
    enabled,
  });
}

export function useSaveAgent(wid: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: AgentInput }) =>
      id ? agentsApi.update(wid, id, input) : agentsApi.create(wid, input),
    onSettled: () => void qc.invalidateQueries({ queryKey: agentKeys.list(wid) }),
  });
}

export function useDeleteAgent(wid: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => agentsApi.remove(wid, id),
    onSettled: () => void qc.invalidateQueries({ queryKey: agentKeys.list(wid) }),
  });
}

export function usePlayground(wid: string, id: string) {
  return useMutation({
    mutationFn: ({ message, history }: { message: string; history: PlaygroundTurn[] }) =>
      agentsApi.playground(wid, id, message, history),
  });
}

/** "humano, atendente ,, gerente" -> ["humano", "atendente", "gerente"] */
export function parseHandoffWords(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const w = raw.trim();
    if (w && !seen.has(w.toLowerCase())) {
      seen.add(w.toLowerCase());
      out.push(w);
    }
  }
  return out;
}
