import { t } from '../../i18n';
import { href, route } from '../../router';
import { Tabs } from '../../ui/Page';

export function MaintenanceTabs() {
  const machine = route.value.query.get('machine');
  const first = route.value.parts[0];
  return (
    <Tabs
      label={t('nav.maintenance')}
      items={[
        { href: href('/maintenance', { machine }), label: t('plans.title'), current: first === 'maintenance' },
        { href: href('/interventions', { machine }), label: t('plans.interventions'), current: first === 'interventions' },
      ]}
    />
  );
}
