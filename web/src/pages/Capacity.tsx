// Tonight's capacity: one screen for a provider's staff. Each unit of each service with
// its figure and age, and one action to change it: − and +, "Still right", or a count for
// a new unit. Every press is one `setCapacity` (a change, never a stale overwrite).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { gql } from '../api/client';
import { errorSentence } from '../api/errors';
import { Gate } from '../components/Gate';
import { ErrorMessage, Page } from '../components/Page';
import { graphql } from '../gql';
import type { CapacityScreenQuery } from '../gql/graphql';
import { ageText, stateLabel } from '../lib/capacity';

const CapacityScreen = graphql(`
  query CapacityScreen($id: ID!) {
    provider(id: $id) {
      id
      name
      services {
        id
        name
        capacity { unitCode unitName state available availableNow maximum held acceptingReferrals ageSeconds stale }
      }
    }
    capacityUnitKinds { code name }
  }
`);

const SetCapacity = graphql(`
  mutation SetCapacity($serviceId: ID!, $input: CapacityUpdate!) {
    setCapacity(serviceId: $serviceId, input: $input) { unitCode }
  }
`);

const ConfirmCapacity = graphql(`
  mutation ConfirmCapacity($serviceId: ID!) {
    confirmCapacity(serviceId: $serviceId) { unitCode }
  }
`);

export function CapacityPage() {
  return (
    <Gate title="Tonight's capacity" roles={['PROVIDER_STAFF', 'NETWORK_ADMIN']} what="set tonight's capacity">
      {() => <CapacityScreenView />}
    </Gate>
  );
}

type Service = NonNullable<CapacityScreenQuery['provider']>['services'][number];

function CapacityScreenView() {
  const { id = '' } = useParams();
  const [data, setData] = useState<CapacityScreenQuery | null>(null);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState('');

  const load = useCallback(() => gql(CapacityScreen, { id }).then(setData, (e) => setError(errorSentence(e, 'see these figures'))), [id]);
  useEffect(() => {
    load();
  }, [load]);

  const act = async (what: string, run: () => Promise<unknown>) => {
    setError('');
    setSaved('');
    try {
      await run();
      setSaved(what);
      await load();
    } catch (e) {
      setError(errorSentence(e, 'save the figure'));
    }
  };

  const provider = data?.provider;
  return (
    <Page title="Tonight's capacity">
      {!data && !error && <p role="status">Loading…</p>}
      <ErrorMessage>{error}</ErrorMessage>
      <p role="status" aria-live="polite">{saved}</p>
      {provider && (
        <>
          <p>
            {provider.name}: change a figure with − and +, or press "Still right" when nothing changed. Figures older than their limit show as
            "call to confirm" and do not count as room. <Link to={`/providers/${provider.id}`}>See the listing</Link>
          </p>
          {provider.services.map((s) => (
            <ServiceFigures key={s.id} service={s} kinds={data!.capacityUnitKinds} act={act} />
          ))}
        </>
      )}
    </Page>
  );
}

function ServiceFigures({
  service,
  kinds,
  act,
}: {
  service: Service;
  kinds: CapacityScreenQuery['capacityUnitKinds'];
  act: (what: string, run: () => Promise<unknown>) => Promise<void>;
}) {
  const unused = kinds.filter((k) => !service.capacity.some((c) => c.unitCode === k.code));
  const [unit, setUnit] = useState(unused[0]?.code ?? '');
  const [count, setCount] = useState('0');
  const heading = `service-${service.id}`;
  const add = (event: FormEvent) => {
    event.preventDefault();
    const available = Number(count);
    act(`${service.name}: saved`, () => gql(SetCapacity, { serviceId: service.id, input: { unitCode: unit, available } }));
  };
  return (
    <section aria-labelledby={heading} className="capacity-service">
      <h2 id={heading}>{service.name}</h2>
      {service.capacity.length === 0 && <p>No figures yet.</p>}
      {service.capacity.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Unit</th>
              <th scope="col">Free</th>
              <th scope="col">Change</th>
              <th scope="col">Now</th>
              <th scope="col">Set</th>
            </tr>
          </thead>
          <tbody>
            {service.capacity.map((c) => (
              <tr key={c.unitCode}>
                <th scope="row">{c.unitName}</th>
                <td>
                  <span data-testid={`count-${service.id}-${c.unitCode}`}>{c.available}</span>
                  {c.maximum != null && ` of ${c.maximum}`}
                  {!!c.held && ` (${c.held} held)`}
                </td>
                <td>
                  <button
                    type="button"
                    aria-label={`One ${c.unitName.toLowerCase()} fewer`}
                    disabled={!c.available}
                    onClick={() => act(`${c.unitName}: one fewer`, () => gql(SetCapacity, { serviceId: service.id, input: { unitCode: c.unitCode, adjustBy: -1 } }))}
                  >
                    −
                  </button>{' '}
                  <button
                    type="button"
                    aria-label={`One ${c.unitName.toLowerCase()} more`}
                    disabled={c.maximum != null && (c.available ?? 0) >= c.maximum}
                    onClick={() => act(`${c.unitName}: one more`, () => gql(SetCapacity, { serviceId: service.id, input: { unitCode: c.unitCode, adjustBy: 1 } }))}
                  >
                    +
                  </button>
                </td>
                <td>{c.acceptingReferrals ? stateLabel(c.state) : 'Not accepting referrals'}</td>
                <td>{ageText(c.ageSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {service.capacity.length > 0 && (
        <button type="button" onClick={() => act(`${service.name}: confirmed`, () => gql(ConfirmCapacity, { serviceId: service.id }))}>
          Still right
        </button>
      )}
      {unused.length > 0 && (
        <form onSubmit={add} noValidate className="inline-form">
          <label htmlFor={`${heading}-unit`}>Add a unit</label>{' '}
          <select id={`${heading}-unit`} value={unit} onChange={(e) => setUnit(e.target.value)}>
            {unused.map((k) => (
              <option key={k.code} value={k.code}>
                {k.name}
              </option>
            ))}
          </select>{' '}
          <label htmlFor={`${heading}-count`}>free now</label>{' '}
          <input id={`${heading}-count`} type="number" min={0} value={count} onChange={(e) => setCount(e.target.value)} />{' '}
          <button type="submit">Add</button>
        </form>
      )}
    </section>
  );
}
