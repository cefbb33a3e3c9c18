import type { ComponentChildren } from 'preact';
import { Link, Route, Router, Switch, useLocation } from 'wouter-preact';
import { signOut } from './auth/session';
import { Lazy } from './ui/lazy';
import { ErrorNote, useAction } from './ui/kit';
import { SignIn, SignUp } from './pages/sign-in';
import { Projects } from './pages/projects';
import { ProjectPage } from './pages/project';
import { Account } from './pages/account';
import { useUser } from './auth/use-user';

function Shell({ children }: { children: ComponentChildren }) {
  const user = useUser();
  const [, navigate] = useLocation();
  const leaving = useAction();
  return (
    <>
      <header class="topbar">
        <Link href="/" class="brand">
          Edge Tiles
        </Link>
        <nav aria-label="Main">
          <Link href="/">Projects</Link>
          {user && <Link href="/account">API keys</Link>}
        </nav>
        <div class="who">
          {user ? (
            <>
              <span class="muted">{user.email}</span>
              <button
                type="button"
                onClick={() =>
                  void leaving.run(async () => {
                    try {
                      await signOut();
                    } finally {
                      navigate('/sign-in');
                    }
                  })
                }
              >
                Sign out
              </button>
            </>
          ) : (
            <Link href="/sign-in">Sign in</Link>
          )}
        </div>
      </header>
      <main>
        <ErrorNote error={leaving.error} />
        {children}
      </main>
    </>
  );
}

// The map pulls in MapLibre: loaded only on the pages that show one.
const loadMap = () => import('./map/project-map');
const ProjectMap = (props: { params: { id: string } }) => (
  <Lazy what="the map" load={loadMap} render={(m) => <m.ProjectMap projectId={props.params.id} />} />
);

// A shared view is the map too: its own chunk, no sign-in.
const loadShared = () => import('./share/shared-map');
const SharedMap = (props: { params: { token: string } }) => (
  <Lazy what="the shared map" load={loadShared} render={(m) => <m.SharedMap token={props.params.token} />} />
);

export function App() {
  return (
    <Router base="/app">
      <Switch>
        <Route path="/projects/:id/map" component={ProjectMap} />
        <Route path="/share/:token" component={SharedMap} />
        <Route>
          <Shell>
            <Switch>
              <Route path="/sign-in" component={SignIn} />
              <Route path="/sign-up" component={SignUp} />
              <Route path="/account" component={Account} />
              <Route path="/projects/:id">{(params) => <ProjectPage projectId={params.id} />}</Route>
              <Route path="/" component={Projects} />
              <Route>
                <h1>Not found</h1>
                <p>
                  Nothing here. <Link href="/">Back to the projects</Link>.
                </p>
              </Route>
            </Switch>
          </Shell>
        </Route>
      </Switch>
    </Router>
  );
}
