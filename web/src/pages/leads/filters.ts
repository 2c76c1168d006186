/**
 * The leads page's state in its URL (?view=tabela&stage=…&owner=me&agent=…&atendimento=…&q=…),
 * so a filtered view can be reloaded, shared and navigated back to.
 */
import { isStage, type LeadFilters } from '@/api/pipeline';

export type View = 'kanban' | 'table';

export interface PageState {
  view: View;
  filters: LeadFilters;
}

export function readState(params: URLSearchParams): PageState {
  const stage = params.get('stage') ?? '';
  const owner = params.get('owner') ?? '';
  const taken = params.get('atendimento') ?? '';
  return {
    view: params.get('view') === 'tabela' ? 'table' : 'kanban',
    filters: {
      stage: isStage(stage) ? stage : '',
      owner: owner === 'me' || owner === 'none' ? owner : '',
      agentId: (params.get('agent') ?? '').slice(0, 64),
      takenOver: taken === 'pessoa' ? 'true' : taken === 'agente' ? 'false' : '',
      q: (params.get('q') ?? '').slice(0, 100),
    },
  };
}

export function writeState(s: PageState): URLSearchParams {
  const p = new URLSearchParams();
  if (s.view === 'table') p.set('view', 'tabela');
  const f = s.filters;
  if (f.stage) p.set('stage', f.stage);
  if (f.owner) p.set('owner', f.owner);
  if (f.agentId) p.set('agent', f.agentId);
  if (f.takenOver) p.set('atendimento', f.takenOver === 'true' ? 'pessoa' : 'agente');
  if (f.q?.trim()) p.set('q', f.q.trim());
  return p;
}

/** Whether any filter narrows the list (the kanban ignores the stage: its columns are the stages). */
export function isFiltered(f: LeadFilters, view: View): boolean {
  return !!((view === 'table' && f.stage) || f.owner || f.agentId || f.takenOver || f.q?.trim());
}

/** The stage before or after `stage` in pipeline order, or null at either end. */
export function neighbourStage<T extends string>(stages: readonly T[], stage: T, step: -1 | 1): T | null {
  const i = stages.indexOf(stage);
  const j = i + step;
  return i < 0 || j < 0 || j >= stages.length ? null : (stages[j] ?? null);
}
