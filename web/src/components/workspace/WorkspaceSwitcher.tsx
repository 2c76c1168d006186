import { useState } from 'react';
import { Building2, Check, ChevronsUpDown, Plus } from 'lucide-react';
import { useLocation, useNavigate } from 'react-router';
import { hasRole, rememberWorkspace, useWorkspaces } from '@/api/workspaceQueries';
import type { Workspace } from '@/api/types';
import { Button } from '@/components/ui/Button';
import { Dialog } from '@/components/ui/Dialog';
import { Menu, type MenuItem } from '@/components/ui/Menu';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { wsPath, wsSections } from '@/lib/paths';
import { CreateWorkspaceForm } from './CreateWorkspaceForm';

const ADMIN_SECTIONS: readonly string[] = [wsSections.invitations, wsSections.audit];

/**
 * The same page in another workspace (/w/A/leads -> /w/B/leads), or its
 * home when the page is one the role there cannot open.
 */
export function switchTarget(pathname: string, to: Workspace): string {
  const m = /^\/w\/[^/]+\/?(.*)$/.exec(pathname);
  const sub = m?.[1] ?? '';
  if (!sub) return wsPath(to.id);
  if (ADMIN_SECTIONS.some((s) => sub.startsWith(s)) && !hasRole(to.role, 'admin')) {
    return wsPath(to.id);
  }
  return `${wsPath(to.id)}/${sub}`;
}

/** Top-left of the shell: the current workspace, the others, and "create one". */
export function WorkspaceSwitcher({ current }: { current: Workspace | null }) {
  const workspaces = useWorkspaces();
  const navigate = useNavigate();
  const location = useLocation();
  const toast = useToast();
  const [creating, setCreating] = useState(false);
  const list = workspaces.data ?? [];

  const items: MenuItem[] = [
    ...list.map((ws) => ({
      key: ws.id,
      label: (
        <span className="flex min-w-0 flex-1 items-center justify-between gap-2">
          <span className="min-w-0">
            <span className="block truncate font-medium text-slate-900">{ws.name}</span>
            <span className="block text-xs text-slate-500">{t.roles[ws.role] ?? ws.role}</span>
          </span>
          {current?.id === ws.id ? (
            <Check className="size-4 shrink-0 text-brand-600" aria-label={t.workspace.current} />
          ) : null}
        </span>
      ),
      onSelect: () => {
        if (current?.id === ws.id) return;
        rememberWorkspace(ws.id);
        navigate(current ? switchTarget(location.pathname, ws) : wsPath(ws.id));
      },
    })),
    {
      key: '__create',
      label: t.workspace.create,
      icon: <Plus className="size-4 text-slate-400" aria-hidden="true" />,
      onSelect: () => setCreating(true),
    },
  ];

  const name = current?.name ?? null;
  return (
    <>
      <Menu
        label={name ? t.workspace.switcher(name) : t.workspace.switcherNone}
        align="left"
        triggerClassName="flex max-w-56 items-center gap-2 rounded-lg border border-slate-200 bg-white py-1.5 pr-2 pl-2.5 text-left text-sm shadow-xs hover:bg-slate-50 aria-expanded:bg-slate-50 sm:max-w-72"
        trigger={
          <>
            <Building2 className="size-4 shrink-0 text-slate-400" aria-hidden="true" />
            <span className="min-w-0 flex-1 truncate font-medium text-slate-800">
              {name ?? t.workspace.switcherNone}
            </span>
            <ChevronsUpDown className="size-4 shrink-0 text-slate-400" aria-hidden="true" />
          </>
        }
        header={
          <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">
            {t.workspace.listLabel}
          </p>
        }
        items={items}
      />
      <Dialog
        open={creating}
        onClose={() => setCreating(false)}
        title={t.workspace.dialogTitle}
        description={t.workspace.dialogText}
      >
        <div className="mt-4">
          {creating ? (
            <CreateWorkspaceForm
              onCreated={(ws) => {
                setCreating(false);
                rememberWorkspace(ws.id);
                toast.success(t.workspace.created(ws.name));
                navigate(wsPath(ws.id));
              }}
              footer={
                <Button variant="outline" size="lg" onClick={() => setCreating(false)}>
                  {t.common.cancel}
                </Button>
              }
            />
          ) : null}
        </div>
      </Dialog>
    </>
  );
}
