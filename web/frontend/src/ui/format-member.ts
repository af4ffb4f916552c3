export function fullName(m: { name: string; surname: string }): string {
  return `${m.name} ${m.surname}`.trim();
}
