import { useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { signIn, signUp } from '../auth/session';
import { ErrorNote, Field, useAction } from '../ui/kit';

/** Where to go after signing in: the page that sent the person here, or the projects. */
function useReturnTo(): () => void {
  const [, navigate] = useLocation();
  const next = new URLSearchParams(useSearch()).get('next');
  // Only a path of this app: not another site (//host), whatever the router would make of it.
  return () => navigate(next && /^\/(?![/\\])/.test(next) ? next : '/');
}

export function SignIn() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { pending, error, run } = useAction();
  const done = useReturnTo();
  return (
    <section class="narrow">
      <h1>Sign in</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await signIn(email, password);
            done();
          });
        }}
      >
        <Field
          label="Email"
          type="email"
          autocomplete="username"
          required
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <Field
          label="Password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={pending}>
          Sign in
        </button>
      </form>
      <p>
        No account? <Link href="/sign-up">Create one</Link>. Or <Link href="/">browse public projects</Link>.
      </p>
    </section>
  );
}

export function SignUp() {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { pending, error, run } = useAction();
  const done = useReturnTo();
  return (
    <section class="narrow">
      <h1>Create an account</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await signUp(name, email, password);
            done();
          });
        }}
      >
        <Field label="Name" autocomplete="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <Field
          label="Email"
          type="email"
          autocomplete="username"
          required
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <Field
          label="Password"
          type="password"
          autocomplete="new-password"
          minLength={8}
          required
          hint="At least 8 characters."
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={pending}>
          Create account
        </button>
      </form>
      <p>
        Have an account? <Link href="/sign-in">Sign in</Link>.
      </p>
    </section>
  );
}
