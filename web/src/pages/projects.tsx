import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, must, type Schemas } from '../api/client';
import { Empty, ErrorNote, Field, Loading, TextArea, useAction } from '../ui/kit';
import { useAsync } from '../ui/use-async';
import { useUser } from '../auth/use-user';

type Project = Schemas['Project'];

function ProjectList({ projects, empty }: { projects: Project[]; empty: string }) {
  if (projects.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul class="cards">
      {projects.map((p) => (
        <li key={p.id}>
          <Link href={`/projects/${p.id}`}>{p.title}</Link>
          <span class="badges">
            {p.is_public && <span class="badge">public</span>}
            {p.role && <span class="badge">{p.role}</span>}
          </span>
          {p.description && <p class="muted clamp">{p.description}</p>}
        </li>
      ))}
    </ul>
  );
}

function NewProject({ onCancel }: { onCancel: () => void }) {
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [isPublic, setIsPublic] = useState(false);
  const { pending, error, run } = useAction();
  const [, navigate] = useLocation();
  return (
    <form
      class="panel"
      aria-label="New project"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const project = await must(api.POST('/projects', { body: { title, description, is_public: isPublic } }));
          navigate(`/projects/${project.id}`);
        });
      }}
    >
      <h2>New project</h2>
      <Field label="Title" required value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      <TextArea label="Description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      <label class="check">
        <input type="checkbox" checked={isPublic} onChange={(e) => setIsPublic(e.currentTarget.checked)} /> Public
        (anyone can view it)
      </label>
      <ErrorNote error={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={pending}>
          Create project
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Home: the caller's projects (their own and their teams'), then the public ones. */
export function Projects() {
  const user = useUser();
  const [creating, setCreating] = useState(false);
  const all = useAsync(() => must(api.GET('/projects', { params: { query: { public: 'true' } } })), [user?.id]);
  const mine = (all.data ?? []).filter((p) => p.role !== null);
  const others = (all.data ?? []).filter((p) => p.role === null);
  return (
    <section>
      <div class="heading">
        <h1>Projects</h1>
        {user && !creating && (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New project
          </button>
        )}
      </div>
      {!user && (
        <p class="panel">
          <Link href="/sign-in">Sign in</Link> to see your projects and upload data, or browse the public ones below.
        </p>
      )}
      {creating && <NewProject onCancel={() => setCreating(false)} />}
      <ErrorNote error={all.error} />
      {all.loading && !all.data && <Loading what="projects" />}
      {all.data && (
        <>
          {user && (
            <>
              <h2>Mine and my teams'</h2>
              <ProjectList projects={mine} empty="No projects yet: create one to upload imagery." />
            </>
          )}
          <h2>Public</h2>
          <ProjectList projects={others} empty="No public projects." />
        </>
      )}
    </section>
  );
}
