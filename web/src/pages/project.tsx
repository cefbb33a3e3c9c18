import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, must, type Schemas } from '../api/client';
import { ConfirmButton, ErrorNote, Field, Loading, TextArea, useAction } from '../ui/kit';
import { useAsync } from '../ui/use-async';
import { Flights } from './flights';
import { Members } from './members';
import { footprintOf } from './footprint';
import { ShareControl } from '../share/share-control';
import { canManage } from '../auth/use-user';

type Project = Schemas['Project'];

function EditProject({ project, onSaved }: { project: Project; onSaved: () => void }) {
  const [title, setTitle] = useState(project.title);
  const [description, setDescription] = useState(project.description);
  const [isPublic, setIsPublic] = useState(project.is_public);
  const { pending, error, run } = useAction();
  const owner = project.role === 'owner';
  return (
    <form
      class="panel"
      aria-label="Edit project"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const body = { title, description, ...(owner ? { is_public: isPublic } : {}) };
          await must(api.PATCH('/projects/{projectId}', { params: { path: { projectId: project.id } }, body }));
          onSaved();
        });
      }}
    >
      <Field label="Title" required value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      <TextArea label="Description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      {owner && (
        <label class="check">
          <input type="checkbox" checked={isPublic} onChange={(e) => setIsPublic(e.currentTarget.checked)} /> Public
        </label>
      )}
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={pending}>
        Save
      </button>
    </form>
  );
}

/** Sets the project's boundary to the union of its ready products' extents. */
function BoundaryFromData({ project, onSaved }: { project: Project; onSaved: () => void }) {
  const { pending, error, run } = useAction();
  return (
    <>
      <button
        type="button"
        disabled={pending}
        onClick={() =>
          void run(async () => {
            const boundary = await footprintOf(project.id);
            await must(
              api.PATCH('/projects/{projectId}', { params: { path: { projectId: project.id } }, body: { boundary } }),
            );
            onSaved();
          })
        }
      >
        Boundary from the data's footprint
      </button>
      <ErrorNote error={error} />
    </>
  );
}

function ProjectHeader({ project, reload }: { project: Project; reload: () => void }) {
  const [editing, setEditing] = useState(false);
  const [, navigate] = useLocation();
  const remove = useAction();
  return (
    <>
      <div class="heading">
        <h1>{project.title}</h1>
        <span class="badges">
          {project.is_public ? <span class="badge">public</span> : <span class="badge">private</span>}
          {project.role && <span class="badge">{project.role}</span>}
        </span>
      </div>
      {project.description && <p class="description">{project.description}</p>}
      <div class="actions">
        <Link href={`/projects/${project.id}/map`} class="button primary">
          Open map
        </Link>
        <ShareControl project={project} hash={() => ''} />
        {canManage(project) && (
          <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            Edit
          </button>
        )}
        {canManage(project) && <BoundaryFromData project={project} onSaved={reload} />}
        {project.role === 'owner' && (
          <ConfirmButton
            label="Delete project"
            question="Delete this project, its flights and data?"
            onConfirm={() =>
              remove.run(async () => {
                await must(api.DELETE('/projects/{projectId}', { params: { path: { projectId: project.id } } }));
                navigate('/');
              })
            }
          />
        )}
      </div>
      <ErrorNote error={remove.error} />
      {editing && (
        <EditProject
          project={project}
          onSaved={() => {
            setEditing(false);
            reload();
          }}
        />
      )}
    </>
  );
}

export function ProjectPage({ projectId }: { projectId: string }) {
  const project = useAsync(
    () => must(api.GET('/projects/{projectId}', { params: { path: { projectId } } })),
    [projectId],
  );
  if (project.error) return <ErrorNote error={project.error} />;
  if (!project.data) return <Loading what="the project" />;
  return (
    <section>
      <ProjectHeader project={project.data} reload={project.reload} />
      <Flights project={project.data} />
      {project.data.role === 'owner' && <Members projectId={project.data.id} />}
    </section>
  );
}
