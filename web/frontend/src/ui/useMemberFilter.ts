// A member filter kept in the URL (?member=ID): the picker shows the member's name.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { route, setQuery } from '../router';
import { memberLabel, type Picked } from './MemberPicker';

export function useMemberFilter(param = 'member'): [Picked | null, (p: Picked | null) => void] {
  const raw = route.value.query.get(param);
  const id = raw ? Number(raw) : null;
  const [picked, setPicked] = useState<Picked | null>(null);
  useEffect(() => {
    if (!id) return setPicked(null);
    if (picked?.id === id) return;
    const c = new AbortController();
    api.get('/api/v1/members/{id}', { path: { id }, signal: c.signal }).then(
      (m) => setPicked({ id: m.id, label: memberLabel(m) }),
      () => {},
    );
    return () => c.abort();
  }, [id]);
  const set = (p: Picked | null) => {
    setPicked(p);
    setQuery({ [param]: p?.id ?? null, offset: null });
  };
  return [id ? (picked ?? { id, label: `#${id}` }) : null, set];
}
