import { useLookup } from '../api/lookups';
import { t } from '../i18n';
import { SelectField } from './Field';

/** A <select> of every machine (a lab has tens to a few hundred). */
export function MachineSelect({
  label,
  name,
  value,
  onChange,
  error,
  allLabel,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  /** The empty choice ("All machines" in a filter, "Choose…" in a form). */
  allLabel?: string;
}) {
  const machines = useLookup('machines');
  return (
    <SelectField label={label} name={name} value={value} onChange={onChange} error={error}>
      <option value="">{allLabel ?? t('common.choose')}</option>
      {machines?.map((m) => (
        <option key={m.id} value={String(m.id)}>
          {m.name}
        </option>
      ))}
      {value && machines && !machines.some((m) => String(m.id) === value) && <option value={value}>#{value}</option>}
    </SelectField>
  );
}
