// A coarse clock for "5 minutes ago" texts: one timer for every card.
import { signal } from '@preact/signals';
import { serverNow } from '../../live/live';

export const now = signal(serverNow());
setInterval(() => {
  now.value = serverNow();
}, 15_000);
