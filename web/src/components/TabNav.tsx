import { NavLink } from 'react-router';
import { cn } from '@/lib/cn';

/** Tabs of a section as links (each tab its own URL), scrolling sideways on a phone. */
export function TabNav({ label, tabs }: { label: string; tabs: { to: string; label: string }[] }) {
  return (
    <nav
      aria-label={label}
      className="-mx-4 mb-6 overflow-x-auto border-b border-slate-200 px-4 sm:mx-0 sm:px-0"
    >
      <ul className="flex min-w-max gap-6">
        {tabs.map((tab) => (
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
  );
}
