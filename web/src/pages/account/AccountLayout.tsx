import { Outlet } from 'react-router';
import { PageHeader } from '@/components/PageHeader';
import { TabNav } from '@/components/TabNav';
import { t } from '@/i18n';
import { paths } from '@/lib/paths';

const TABS = [
  { to: paths.accountProfile, label: t.account.tabs.profile },
  { to: paths.accountSecurity, label: t.account.tabs.security },
  { to: paths.accountSessions, label: t.account.tabs.sessions },
];

export function AccountLayout() {
  return (
    <>
      <PageHeader title={t.account.title} description={t.account.subtitle} />
      <TabNav label={t.account.tabs.label} tabs={TABS} />
      <div className="space-y-6">
        <Outlet />
      </div>
    </>
  );
}
