import { useSubscription } from '../ui/use-async';
import { onSessionChange, session } from './session';
import type { Schemas } from '../api/client';

const currentUser = (): Schemas['User'] | null => session()?.user ?? null;

/** The signed-in user (null when signed out); the component renders again when that changes. */
export const useUser = (): Schemas['User'] | null => useSubscription(currentUser, onSessionChange);

/** Whether a role on a project lets its holder change it (its data, flights and boundary). */
export const canManage = (project: { role: Schemas['Project']['role'] }): boolean =>
  project.role === 'manager' || project.role === 'owner';
