/**
 * Server state of workspaces. Every key of a workspace's data starts with
 * ['ws', workspaceId], so switching workspace never shows another one's
 * cached data, and forgetting a workspace is one removeQueries.
 */
import { createContext, useContext, useEffect } from 'react';
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
} from '@tanstack/react-query';
import { ApiError } from './client';
import { workspacesApi } from './endpoints';
import type { Role, Workspace } from './types';

export const workspaceKeys = {
  list: ['workspaces'] as const,
  all: (wid: string) => ['ws', wid] as const,
  members: (wid: string) => ['ws', wid, 'members'] as const,
  invitations: (wid: string) => ['ws', wid, 'invitations'] as const,
  audit: (wid: string) => ['ws', wid, 'audit'] as const,
};

const ROLE_RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

/** Whether `role` is at least `min` (owner > admin > member). */
export function hasRole(role: Role | undefined, min: Role): boolean {
  return role !== undefined && (ROLE_RANK[role] ?? -1) >= ROLE_RANK[min];
}

/** The workspace of the current URL (/w/:wid), provided by WorkspaceScope. */
export const CurrentWorkspaceContext = createContext<Workspace | null>(null);

export function useCurrentWorkspace(): Workspace {
  const ws = useContext(CurrentWorkspaceContext);
  if (!ws) throw new Error('useCurrentWorkspace outside a workspace route');
  return ws;
}

/** The last workspace opened in this browser, to land there from "/". */
const LAST_KEY = 'piloto.workspace';

export function rememberWorkspace(wid: string): void {
  try {
    window.localStorage.setItem(LAST_KEY, wid);
  } catch {
    /* private mode: nothing to remember */
  }
}

export function lastWorkspace(): string | null {
  try {
    return window.localStorage.getItem(LAST_KEY);
  } catch {
    return null;
  }
}

/** The workspace to open by default: the last one if still a member, else the first. */
export function pickWorkspace(list: Workspace[], preferred?: string | null): Workspace | null {
  const want = preferred ?? lastWorkspace();
  return list.find((w) => w.id === want) ?? list[0] ?? null;
}

/**
 * A 404 (no longer a member) or 403 (role lowered) on a workspace's data
 * means our list of workspaces and roles is stale: refetch it, so the shell
 * hides what the user may no longer open.
 */
export function isAccessChange(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 404 || err.status === 403) &&
    err.code !== 'recent_auth_required' && err.code !== 'csrf_failed';
}

function refreshAccess(qc: QueryClient, err: unknown) {
  if (isAccessChange(err)) void qc.invalidateQueries({ queryKey: workspaceKeys.list });
}

function useRefreshAccessOn(err: unknown) {
  const qc = useQueryClient();
  useEffect(() => {
    refreshAccess(qc, err);
  }, [qc, err]);
}

export function useWorkspaces() {
  return useQuery({ queryKey: workspaceKeys.list, queryFn: workspacesApi.list, staleTime: 10_000 });
}

export function useCreateWorkspace() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: workspacesApi.create,
    onSuccess: (ws) => {
      qc.setQueryData<Workspace[]>(workspaceKeys.list, (old) => [
        ...(old ?? []).filter((w) => w.id !== ws.id),
        ws,
      ]);
      void qc.invalidateQueries({ queryKey: workspaceKeys.list });
    },
  });
}

export function useMembers(wid: string) {
  const q = useQuery({ queryKey: workspaceKeys.members(wid), queryFn: () => workspacesApi.members(wid) });
  useRefreshAccessOn(q.error);
  return q;
}

export function useInvitations(wid: string, enabled = true) {
  const q = useQuery({
    queryKey: workspaceKeys.invitations(wid),
    queryFn: () => workspacesApi.invitations(wid),
    enabled,
  });
  useRefreshAccessOn(q.error);
  return q;
}

export function useAudit(wid: string) {
  const q = useInfiniteQuery({
    queryKey: workspaceKeys.audit(wid),
    queryFn: ({ pageParam, signal }) => workspacesApi.audit(wid, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor || null,
  });
  useRefreshAccessOn(q.error);
  return q;
}

/** After any membership change: this workspace's data and the list of roles are stale. */
function useSettleWorkspace(wid: string) {
  const qc = useQueryClient();
  return (err?: unknown) => {
    if (err) refreshAccess(qc, err);
    void qc.invalidateQueries({ queryKey: workspaceKeys.all(wid) });
  };
}

export function useChangeRole(wid: string) {
  const qc = useQueryClient();
  const settle = useSettleWorkspace(wid);
  return useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      workspacesApi.changeRole(wid, userId, role),
    // My own role may have changed (ownership handed over): refetch the roles too.
    onSuccess: () => void qc.invalidateQueries({ queryKey: workspaceKeys.list }),
    onSettled: (_data, err) => settle(err),
  });
}

export function useRemoveMember(wid: string) {
  const settle = useSettleWorkspace(wid);
  return useMutation({
    mutationFn: (userId: string) => workspacesApi.removeMember(wid, userId),
    onSettled: (_data, err) => settle(err),
  });
}

/** Leaving: the workspace and its cached data are forgotten. */
export function useLeaveWorkspace(wid: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => workspacesApi.leave(wid),
    onSuccess: () => {
      qc.setQueryData<Workspace[]>(workspaceKeys.list, (old) => (old ?? []).filter((w) => w.id !== wid));
      qc.removeQueries({ queryKey: workspaceKeys.all(wid) });
      void qc.invalidateQueries({ queryKey: workspaceKeys.list });
    },
  });
}

/** Ownership to another member; the caller becomes an admin. */
export function useTransferOwnership(wid: string) {
  const qc = useQueryClient();
  const settle = useSettleWorkspace(wid);
  return useMutation({
    mutationFn: (userId: string) => workspacesApi.transfer(wid, userId),
    onSuccess: (ws) => {
      qc.setQueryData<Workspace[]>(workspaceKeys.list, (old) =>
        (old ?? []).map((w) => (w.id === ws.id ? ws : w)),
      );
      void qc.invalidateQueries({ queryKey: workspaceKeys.list });
    },
    onSettled: (_data, err) => settle(err),
  });
}

export function useInvite(wid: string) {
  const settle = useSettleWorkspace(wid);
  return useMutation({
    mutationFn: (input: { email: string; role: Role }) => workspacesApi.invite(wid, input),
    onSettled: (_data, err) => settle(err),
  });
}

export function useRevokeInvitation(wid: string) {
  const settle = useSettleWorkspace(wid);
  return useMutation({
    mutationFn: (id: string) => workspacesApi.revokeInvitation(wid, id),
    onSettled: (_data, err) => settle(err),
  });
}

export function useResendInvitation(wid: string) {
  const settle = useSettleWorkspace(wid);
  return useMutation({
    mutationFn: (id: string) => workspacesApi.resendInvitation(wid, id),
    onSettled: (_data, err) => settle(err),
  });
}

/** The invitation of a link (a POST that changes nothing: the token is the capability). */
export function useInvitationPreview(token: string) {
  return useQuery({
    queryKey: ['invitation', token] as const,
    queryFn: () => workspacesApi.preview(token),
    enabled: !!token,
    retry: false,
    staleTime: 60_000,
  });
}

export function useAcceptInvitation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: workspacesApi.accept,
    onSuccess: (ws) => {
      qc.setQueryData<Workspace[]>(workspaceKeys.list, (old) => [
        ...(old ?? []).filter((w) => w.id !== ws.id),
        ws,
      ]);
      void qc.invalidateQueries({ queryKey: workspaceKeys.list });
    },
  });
}
