import { Outlet } from 'react-router';
import { hasRole, useCurrentWorkspace } from '@/api/workspaceQueries';
import { PageHeader } from '@/components/PageHeader';
import { TabNav } from '@/components/TabNav';
import { t } from '@/i18n';
import { wsPath, type WsSection } from '@/lib/paths';

const TABS: { section: WsSection; label: string; admin: boolean }[] = [
  { section: 'members', label: t.settings.tabs.members, admin: false },
  { section: 'invitations', label: t.settings.tabs.invitations, admin: true },
  { section: 'audit', label: t.settings.tabs.audit, admin: true },
  { section: 'crm', label: t.settings.tabs.crm, admin: true },
];

/** The workspace's settings; tabs for owners and admins only are not shown to members. */
export function SettingsLayout() {
  const ws = useCurrentWorkspace();
  const tabs = TABS.filter((tab) => !tab.admin || hasRole(ws.role, 'admin'));
  return (
    <>
      <PageHeader title={t.settings.title} description={t.settings.subtitle(ws.name)} />
      <TabNav
        label={t.settings.tabsLabel}
        tabs={tabs.map((tab) => ({ to: wsPath(ws.id, tab.section), label: tab.label }))}
      />
      <div className="space-y-6">
        <Outlet />
      </div>
    </>
  );
}
