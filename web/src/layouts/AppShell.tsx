import { useEffect, useRef, useState, type ComponentType } from 'react';
import {
  BookOpen,
  Bot,
  ChevronDown,
  Home,
  LogOut,
  Mail,
  Menu as MenuIcon,
  MessagesSquare,
  Settings,
  UserRound,
  Users,
  X,
} from 'lucide-react';
import { NavLink, Outlet, useLocation, useMatch, useNavigate } from 'react-router';
import { errorMessage } from '@/api/errors';
import { useCurrentUser, useLogout, useResendVerification } from '@/api/queries';
import { lastWorkspace, pickWorkspace, useWorkspaces } from '@/api/workspaceQueries';
import type { Workspace } from '@/api/types';
import { Logo } from '@/components/Logo';
import { WorkspaceSwitcher } from '@/components/workspace/WorkspaceSwitcher';
import { Menu } from '@/components/ui/Menu';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { cn } from '@/lib/cn';
import { initials } from '@/lib/format';
import { paths, wsPath, type WsSection } from '@/lib/paths';

interface NavItem {
  section: WsSection;
  label: string;
  icon: ComponentType<{ className?: string; 'aria-hidden'?: boolean | 'true' }>;
  end?: boolean;
}

const NAV: NavItem[] = [
  { section: 'home', label: t.shell.nav.home, icon: Home, end: true },
  { section: 'agents', label: t.shell.nav.agents, icon: Bot },
  { section: 'leads', label: t.shell.nav.leads, icon: Users },
  { section: 'conversations', label: t.shell.nav.conversations, icon: MessagesSquare },
  { section: 'knowledge', label: t.shell.nav.knowledge, icon: BookOpen },
  { section: 'settings', label: t.shell.nav.settings, icon: Settings },
];

/**
 * The workspace the shell is showing: the one of the URL (/w/:wid), else
 * (account pages) the last one opened, else the first.
 */
function useShellWorkspace(): Workspace | null {
  const match = useMatch('/w/:wid/*');
  const workspaces = useWorkspaces();
  const list = workspaces.data ?? [];
  const wid = match?.params.wid;
  if (wid) return list.find((w) => w.id === wid) ?? null;
  return pickWorkspace(list, lastWorkspace());
}

function SideNav({ workspace, onNavigate }: { workspace: Workspace | null; onNavigate?: () => void }) {
  // Without a workspace there is only the start page (create one).
  const items = workspace
    ? NAV.map((item) => ({ ...item, to: wsPath(workspace.id, item.section) }))
    : [{ ...NAV[0]!, to: paths.home }];
  return (
    <nav aria-label={t.shell.mainNav} className="flex-1 space-y-1 px-3 py-4">
      {items.map(({ to, label, icon: Icon, end }) => (
        <NavLink
          key={to}
          to={to}
          end={end}
          onClick={onNavigate}
          className={({ isActive }) =>
            cn(
              'group flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium transition-colors',
              isActive
                ? 'bg-brand-50 text-brand-700'
                : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
            )
          }
        >
          {({ isActive }) => (
            <>
              <Icon
                className={cn(
                  'size-4.5 shrink-0',
                  isActive ? 'text-brand-600' : 'text-slate-400 group-hover:text-slate-600',
                )}
                aria-hidden="true"
              />
              <span className="flex-1">{label}</span>
            </>
          )}
        </NavLink>
      ))}
    </nav>
  );
}

function UserMenu() {
  const user = useCurrentUser();
  const navigate = useNavigate();
  const logout = useLogout();
  const label = user.name || user.email;

  return (
    <Menu
      label={t.shell.userMenu(label)}
      nameFromContent
      triggerClassName="flex items-center gap-2 rounded-full py-1 pr-2 pl-1 text-sm hover:bg-slate-100 aria-expanded:bg-slate-100"
      trigger={
        <>
          <span
            className="flex size-8 items-center justify-center rounded-full bg-brand-600 text-xs font-semibold text-white"
            aria-hidden="true"
          >
            {initials(user.name, user.email)}
          </span>
          <span
            className="hidden max-w-40 truncate font-medium text-slate-700 sm:block"
            aria-hidden="true"
          >
            {label}
          </span>
          <span className="sr-only">{t.shell.userMenu(label)}</span>
          <ChevronDown className="size-4 text-slate-400" aria-hidden="true" />
        </>
      }
      header={
        <div className="min-w-0">
          <p className="truncate text-sm font-semibold text-slate-900">{user.name}</p>
          <p className="truncate text-xs text-slate-500">{user.email}</p>
        </div>
      }
      items={[
        {
          key: 'account',
          label: t.shell.myAccount,
          icon: <UserRound className="size-4 text-slate-400" aria-hidden="true" />,
          onSelect: () => navigate(paths.accountProfile),
        },
        {
          key: 'logout',
          label: logout.isPending ? t.shell.loggingOut : t.shell.logout,
          icon: <LogOut className="size-4 text-slate-400" aria-hidden="true" />,
          disabled: logout.isPending,
          // The auth guard shows the login page once the user is gone.
          onSelect: () => logout.mutate(),
        },
      ]}
    />
  );
}

function MobileDrawer({
  open,
  onClose,
  workspace,
}: {
  open: boolean;
  onClose: () => void;
  workspace: Workspace | null;
}) {
  const panelRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const previous = document.activeElement as HTMLElement | null;
    panelRef.current?.querySelector<HTMLElement>('button, a')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    document.body.classList.add('overflow-hidden');
    return () => {
      document.removeEventListener('keydown', onKey);
      document.body.classList.remove('overflow-hidden');
      previous?.focus?.();
    };
  }, [open, onClose]);

  if (!open) return null;
  return (
    <div className="fixed inset-0 z-50 lg:hidden">
      <div className="animate-fade-in absolute inset-0 bg-slate-900/50" aria-hidden="true" onClick={onClose} />
      <div
        ref={panelRef}
        role="dialog"
        aria-modal="true"
        aria-label={t.shell.mainNav}
        className="animate-slide-in relative flex h-full w-72 max-w-[85%] flex-col bg-white shadow-xl"
      >
        <div className="flex h-16 items-center justify-between border-b border-slate-100 px-4">
          <Logo />
          <button
            type="button"
            onClick={onClose}
            aria-label={t.shell.closeNav}
            className="rounded-lg p-2 text-slate-500 hover:bg-slate-100 hover:text-slate-800"
          >
            <X className="size-5" aria-hidden="true" />
          </button>
        </div>
        <SideNav workspace={workspace} onNavigate={onClose} />
      </div>
    </div>
  );
}

function VerifyBanner() {
  const resend = useResendVerification();
  const toast = useToast();
  return (
    <section
      aria-label={t.shell.verifyBannerLabel}
      className="flex flex-col gap-2 border-b border-amber-200 bg-amber-50 px-4 py-2.5 text-sm text-amber-900 sm:flex-row sm:items-center sm:px-6"
    >
      <p className="flex flex-1 items-start gap-2">
        <Mail className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
        <span>{t.shell.verifyBanner}</span>
      </p>
      <button
        type="button"
        disabled={resend.isPending}
        onClick={() =>
          resend.mutate(undefined, {
            onSuccess: (sent) => toast.success(sent ? t.shell.resent : t.shell.alreadyVerified),
            onError: (err) => toast.error(errorMessage(err)),
          })
        }
        className="self-start rounded-md px-2 py-1 font-semibold text-amber-900 underline underline-offset-2 hover:bg-amber-100 disabled:opacity-60 sm:self-auto"
      >
        {resend.isPending ? t.shell.resending : t.shell.resend}
      </button>
    </section>
  );
}

/** The signed-in frame: side navigation, top bar with the user menu, the page. */
export function AppShell() {
  const user = useCurrentUser();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const location = useLocation();
  const workspace = useShellWorkspace();

  useEffect(() => {
    setDrawerOpen(false);
  }, [location.pathname]);

  return (
    <div className="min-h-dvh">
      <a
        href="#main"
        className="sr-only z-[70] rounded-lg bg-white px-4 py-2 text-sm font-medium text-brand-700 shadow focus:not-sr-only focus:fixed focus:top-3 focus:left-3"
      >
        {t.app.skipToContent}
      </a>

      <aside className="fixed inset-y-0 left-0 hidden w-64 flex-col border-r border-slate-200 bg-white lg:flex">
        <div className="flex h-16 items-center border-b border-slate-100 px-6">
          <NavLink to={paths.home} className="rounded-lg">
            <Logo />
          </NavLink>
        </div>
        <SideNav workspace={workspace} />
      </aside>

      <MobileDrawer open={drawerOpen} onClose={() => setDrawerOpen(false)} workspace={workspace} />

      <div className="lg:pl-64">
        <header className="sticky top-0 z-30 flex h-16 items-center gap-3 border-b border-slate-200 bg-white/90 px-4 backdrop-blur sm:px-6">
          <button
            type="button"
            onClick={() => setDrawerOpen(true)}
            aria-label={t.shell.openNav}
            aria-expanded={drawerOpen}
            className="-ml-1 rounded-lg p-2 text-slate-600 hover:bg-slate-100 lg:hidden"
          >
            <MenuIcon className="size-5" aria-hidden="true" />
          </button>
          <NavLink to={paths.home} aria-label={t.shell.homeLink} className="rounded-lg lg:hidden">
            <Logo className="[&>span:last-child]:hidden" />
          </NavLink>
          <div className="min-w-0 flex-1">
            <WorkspaceSwitcher current={workspace} />
          </div>
          <UserMenu />
        </header>

        {!user.emailVerified ? <VerifyBanner /> : null}

        <main id="main" tabIndex={-1} className="mx-auto w-full max-w-5xl px-4 py-8 sm:px-6 lg:px-8">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
