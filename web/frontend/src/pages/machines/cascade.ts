import { api } from '../../api/client';
import { tn } from '../../i18n';
import type { Consequence } from '../../ui/ConfirmDialog';

/** What deleting a machine removes, in words, counted by the server. */
export async function machineConsequences(id: number): Promise<Consequence[]> {
  const c = await api.get('/api/v1/machines/{id}/cascade', { path: { id } });
  const out: Consequence[] = [];
  if (c.uses) out.push({ text: tn('cascade.uses', c.uses) });
  if (c.authorizations) out.push({ text: tn('cascade.authorizations', c.authorizations) });
  if (c.plans) out.push({ text: tn('cascade.plans', c.plans) });
  if (c.interventions) out.push({ text: tn('cascade.interventions', c.interventions) });
  if (c.boards) out.push({ text: tn('cascade.boards', c.boards) });
  if (c.unknown_cards) out.push({ text: tn('cascade.unknownCards', c.unknown_cards) });
  return out;
}
