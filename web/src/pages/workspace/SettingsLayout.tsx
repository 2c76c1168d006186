import { NavLink, Outlet } from 'react-router';
import { hasRole, useCurrentWorkspace } from '@/api/workspaceQueries';
import { PageHeader } from '@/components/PageHeader';
import { t } from '@/i18n';
import { cn } from '@/lib/cn';
import { wsPath, type WsSection } from '@/lib/paths';

const TABS: { section: WsSection; label: string; admin: boolean }[] = [
  { section: 'members', label: t.settings.tabs.members, admin: false },
  { section: 'invitations', label: t.settings.tabs.invitations, admin: true },
  { section: 'audit', label: t.settings.tabs.audit, admin: true },
];

/** The workspace's settings; tabs for owners and admins only are not shown to members. */
export function SettingsLayout() {
  const ws = useCurrentWorkspace();
  const tabs = TABS.filter((tab) => !tab.admin || hasRole(ws.role, 'admin'));
  return (
    <>
      <PageHeader title={t.settings.title} description={t.settings.subtitle(ws.name)} />
      <nav
        aria-label={t.settings.tabsLabel}
        className="-mx-4 mb-6 overflow-x-auto border-b border-slate-200 px-4 sm:mx-0 sm:px-0"
      >
        <ul className="flex min-w-max gap-6">
          {tabs.map((tab) => (
            <li key={tab.section}>
              <NavLink
                to={wsPath(ws.id, tab.section)}
                className={({ isActive }) =>
                  cn(
                    '-mb-px block border-b-2 px-1 pt-1 pb-3 text-sm font-medium whitespace-nowrap transition-colors',
                    isActive
                      ? 'border-brand-600 text-brand-700'
                      : 'border-transparent text-slate-500 hover:border-slate-300 hover:text-slate-800',
                  )
                }
              >
                {tab.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <div className="space-y-6">
        <Outlet />
      </div>
    </>
  );
}
