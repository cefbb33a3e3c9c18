import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, must, type Schemas } from '../api/client';
import { ConfirmButton, Empty, ErrorNote, Field, Loading, useAction } from '../ui/kit';
import { useAsync } from '../ui/use-async';
import { Products } from './products';
import { canManage } from '../auth/use-user';

type Project = Schemas['Project'];
type Flight = Schemas['Flight'];

const numberOrNull = (value: string): number | null => (value.trim() === '' ? null : Number(value));

function NewFlight({ projectId, onAdded }: { projectId: string; onAdded: () => void }) {
  const [form, setForm] = useState({
    name: '',
    date: '',
    platform: '',
    sensor: '',
    altitude: '',
    forward: '',
    side: '',
  });
  const { pending, error, run } = useAction();
  const set = (key: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) =>
    setForm({ ...form, [key]: e.currentTarget.value });
  return (
    <form
      class="panel grid"
      aria-label="New flight"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const body = {
            name: form.name,
            acquisition_date: form.date,
            platform: form.platform,
            sensor: form.sensor,
            altitude_m: numberOrNull(form.altitude),
            forward_overlap: numberOrNull(form.forward),
            side_overlap: numberOrNull(form.side),
          };
          await must(api.POST('/projects/{projectId}/flights', { params: { path: { projectId } }, body }));
          onAdded();
        });
      }}
    >
      <h3>New flight</h3>
      <Field label="Flight name" value={form.name} onInput={set('name')} />
      <Field label="Date" type="date" required value={form.date} onInput={set('date')} />
      <Field label="Platform" placeholder="e.g. DJI M300" value={form.platform} onInput={set('platform')} />
      <Field label="Sensor" placeholder="e.g. MicaSense RedEdge" value={form.sensor} onInput={set('sensor')} />
      <Field label="Altitude (m)" type="number" step="any" value={form.altitude} onInput={set('altitude')} />
      <Field
        label="Forward overlap (%)"
        type="number"
        min="0"
        max="100"
        value={form.forward}
        onInput={set('forward')}
      />
      <Field label="Side overlap (%)" type="number" min="0" max="100" value={form.side} onInput={set('side')} />
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={pending}>
        Add flight
      </button>
    </form>
  );
}

function FlightCard({ project, flight, onDeleted }: { project: Project; flight: Flight; onDeleted: () => void }) {
  const remove = useAction();
  const facts = [
    flight.platform,
    flight.sensor,
    flight.altitude_m !== null ? `${flight.altitude_m} m` : '',
    flight.forward_overlap !== null ? `forward ${flight.forward_overlap} %` : '',
    flight.side_overlap !== null ? `side ${flight.side_overlap} %` : '',
  ].filter(Boolean);
  return (
    <article class="flight" aria-label={`Flight ${flight.name || flight.acquisition_date}`}>
      <div class="heading">
        <h3>
          {flight.acquisition_date} {flight.name && `· ${flight.name}`}
        </h3>
        {canManage(project) && (
          <ConfirmButton
            label="Delete flight"
            question="Delete this flight and its data products?"
            onConfirm={() =>
              remove.run(async () => {
                await must(
                  api.DELETE('/projects/{projectId}/flights/{flightId}', {
                    params: { path: { projectId: project.id, flightId: flight.id } },
                  }),
                );
                onDeleted();
              })
            }
          />
        )}
      </div>
      {facts.length > 0 && <p class="muted">{facts.join(' · ')}</p>}
      <ErrorNote error={remove.error} />
      <Products project={project} flight={flight} />
    </article>
  );
}

export function Flights({ project }: { project: Project }) {
  const flights = useAsync(
    () => must(api.GET('/projects/{projectId}/flights', { params: { path: { projectId: project.id } } })),
    [project.id],
  );
  const [adding, setAdding] = useState(false);
  return (
    <section aria-label="Flights">
      <div class="heading">
        <h2>Flights</h2>
        {canManage(project) && !adding && (
          <button type="button" onClick={() => setAdding(true)}>
            Add flight
          </button>
        )}
      </div>
      {adding && (
        <NewFlight
          projectId={project.id}
          onAdded={() => {
            setAdding(false);
            flights.reload();
          }}
        />
      )}
      <ErrorNote error={flights.error} />
      {flights.loading && !flights.data && <Loading what="flights" />}
      {flights.data?.length === 0 && (
        <Empty>
          No flights yet.{' '}
          {canManage(project) ? 'Add one, then drop its imagery into it.' : <Link href="/">Back to projects</Link>}
        </Empty>
      )}
      {flights.data?.map((f) => (
        <FlightCard key={f.id} project={project} flight={f} onDeleted={flights.reload} />
      ))}
    </section>
  );
}
