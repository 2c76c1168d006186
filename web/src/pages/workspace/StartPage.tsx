import { Navigate, useNavigate } from 'react-router';
import { RefreshCw } from 'lucide-react';
import { errorMessage } from '@/api/errors';
import { useCurrentUser, useLogout } from '@/api/queries';
import { pickWorkspace, rememberWorkspace, useWorkspaces } from '@/api/workspaceQueries';
import { CreateWorkspaceForm } from '@/components/workspace/CreateWorkspaceForm';
import { FullPageSpinner } from '@/components/FullPageSpinner';
import { Alert } from '@/components/ui/Alert';
import { Button } from '@/components/ui/Button';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { AuthLayout } from '@/layouts/AuthLayout';
import { wsPath } from '@/lib/paths';
import { usePageTitle } from '@/lib/usePage';

function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] || name;
}

/**
 * "/": opens the last (or first) workspace of the user; with none yet, the
 * first step of a new account: create the company's workspace.
 */
export function StartPage() {
  usePageTitle(t.start.title);
  const user = useCurrentUser();
  const workspaces = useWorkspaces();
  const navigate = useNavigate();
  const toast = useToast();
  const logout = useLogout();

  if (workspaces.isPending) return <FullPageSpinner />;
  const chosen = workspaces.data ? pickWorkspace(workspaces.data) : null;
  if (chosen) return <Navigate to={wsPath(chosen.id)} replace />;

  return (
    <AuthLayout
      heading={t.home.greeting(firstName(user.name))}
      subheading={t.start.subheading}
      footer={
        <button
          type="button"
          onClick={() => logout.mutate()}
          className="font-medium text-slate-600 hover:text-slate-900 hover:underline"
        >
          {t.start.logout}
        </button>
      }
    >
      {workspaces.isError ? (
        <div className="space-y-4">
          <Alert tone="error" title={t.workspace.loadError}>
            {errorMessage(workspaces.error)}
          </Alert>
          <Button
            variant="outline"
            onClick={() => void workspaces.refetch()}
            loading={workspaces.isFetching}
          >
            <RefreshCw className="size-4" aria-hidden="true" />
            {t.common.retry}
          </Button>
        </div>
      ) : (
        <div className="space-y-6">
          <CreateWorkspaceForm
            onCreated={(ws) => {
              rememberWorkspace(ws.id);
              toast.success(t.workspace.created(ws.name));
              navigate(wsPath(ws.id), { replace: true });
            }}
          />
          <p className="text-sm text-slate-500">{t.start.invitedHint}</p>
        </div>
      )}
    </AuthLayout>
  );
}
