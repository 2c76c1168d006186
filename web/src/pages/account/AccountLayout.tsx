import { NavLink, Outlet } from 'react-router';
import { PageHeader } from '@/components/PageHeader';
import { t } from '@/i18n';
import { cn } from '@/lib/cn';
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
      <nav aria-label={t.account.tabs.label} className="-mx-4 mb-6 overflow-x-auto border-b border-slate-200 px-4 sm:mx-0 sm:px-0">
        <ul className="flex min-w-max gap-6">
          {TABS.map((tab) => (
            <li key={tab.to}>
              <NavLink
                to={tab.to}
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
