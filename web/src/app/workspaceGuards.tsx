import { useEffect } from 'react';
import { Lock, SearchX } from 'lucide-react';
import { Link, Navigate, Outlet, useParams } from 'react-router';
import {
  CurrentWorkspaceContext,
  hasRole,
  pickWorkspace,
  rememberWorkspace,
  useCurrentWorkspace,
  useWorkspaces,
} from '@/api/workspaceQueries';
import type { Role } from '@/api/types';
import { LoadError } from '@/components/LoadError';
import { buttonClasses } from '@/components/ui/Button';
import { EmptyState } from '@/components/ui/EmptyState';
import { Spinner } from '@/components/ui/Spinner';
import { t } from '@/i18n';
import { paths, wsPath, type WsSection } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';

function Loading() {
  return (
    <div className="flex min-h-[40dvh] items-center justify-center text-brand-600">
      <Spinner className="size-6" label={t.app.loading} />
    </div>
  );
}

function NoAccess() {
  usePageTitle(t.workspace.noAccessTitle);
  return (
    <EmptyState
      icon={SearchX}
      title={t.workspace.noAccessTitle}
      action={
        <Link to={paths.home} className={buttonClasses('primary')}>
          {t.workspace.noAccessHome}
        </Link>
      }
    >
      {t.workspace.noAccessText}
    </EmptyState>
  );
}

/**
 * /w/:wid: the workspace of the URL, if the user is a member (the list of
 * GET /api/v1/workspaces says, with the role). A workspace the user is not
 * (or no longer) in looks the same as one that does not exist.
 */
export function WorkspaceScope() {
  const { wid = '' } = useParams();
  const workspaces = useWorkspaces();
  const ws = workspaces.data?.find((w) => w.id === wid) ?? null;

  useEffect(() => {
    if (ws) rememberWorkspace(ws.id);
  }, [ws]);

  if (workspaces.isPending) return <Loading />;
  if (workspaces.isError && !workspaces.data) {
    return (
      <LoadError
        title={t.workspace.loadError}
        error={workspaces.error}
        onRetry={() => void workspaces.refetch()}
        retrying={workspaces.isFetching}
      />
    );
  }
  if (!ws) return <NoAccess />;
  return (
    <CurrentWorkspaceContext.Provider value={ws}>
      {/* A new key per workspace: no state of one workspace's page survives a switch. */}
      <Outlet key={ws.id} />
    </CurrentWorkspaceContext.Provider>
  );
}

/** Pages for owners and admins only: others see why (the navigation hides them already). */
export function RequireRole({ min }: { min: Role }) {
  const ws = useCurrentWorkspace();
  if (!hasRole(ws.role, min)) return <Forbidden />;
  return <Outlet />;
}

export function Forbidden() {
  const ws = useCurrentWorkspace();
  usePageTitle(t.workspace.forbiddenTitle);
  return (
    <EmptyState
      icon={Lock}
      title={t.workspace.forbiddenTitle}
      action={
        <Link to={wsPath(ws.id)} className={buttonClasses('outline')}>
          {t.workspace.forbiddenBack}
        </Link>
      }
    >
      {t.workspace.forbiddenText}
    </EmptyState>
  );
}

/** An old top-level address (/agentes, /configuracoes…): the same page of the last workspace. */
export function ToWorkspace({ section }: { section: WsSection }) {
  const workspaces = useWorkspaces();
  if (workspaces.isPending) return <Loading />;
  const ws = workspaces.data ? pickWorkspace(workspaces.data) : null;
  return <Navigate to={ws ? wsPath(ws.id, section) : paths.home} replace />;
}
