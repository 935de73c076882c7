import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { gql } from '../api/client';
import { errorSentence } from '../api/errors';
import { Gate } from '../components/Gate';
import { TextField } from '../components/Fields';
import { ErrorMessage, Page } from '../components/Page';
import { graphql } from '../gql';
import type { MyListingsQuery } from '../gql/graphql';

const MyListings = graphql(`
  query MyListings {
    me { organization { id name providers { id name kind } } }
  }
`);

const NewListing = graphql(`
  mutation NewListing($input: ProviderEdit!) {
    createProvider(input: $input) { id }
  }
`);

export function ListingsPage() {
  return (
    <Gate title="Your listings" roles={['PROVIDER_STAFF', 'NETWORK_ADMIN']} what="keep listings current">
      {(me) => <Listings admin={me.role === 'NETWORK_ADMIN'} />}
    </Gate>
  );
}

function Listings({ admin }: { admin: boolean }) {
  const navigate = useNavigate();
  const [data, setData] = useState<MyListingsQuery | null>(null);
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const [kind, setKind] = useState('ht_program');

  useEffect(() => {
    gql(MyListings).then(setData, (e) => setError(errorSentence(e, 'see your listings')));
  }, []);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    try {
      const made = await gql(NewListing, { input: { name: name.trim(), kind } });
      navigate(`/providers/${made.createProvider.id}/edit`);
    } catch (e) {
      setError(errorSentence(e, 'add a listing'));
    }
  };

  const org = data?.me.organization;
  return (
    <Page title="Your listings">
      <p>
        The directory listings {org ? org.name : 'your organization'} keeps: services, locations, service area, contacts and training. Keep them current so advocates find you.
        {admin && ' As a network administrator you can also edit any listing from its page.'}
      </p>
      <ErrorMessage>{error}</ErrorMessage>
      {!data && !error && <p role="status">Loading…</p>}
      {org && org.providers.length === 0 && <p>Your organization keeps no listing yet.</p>}
      {org && org.providers.length > 0 && (
        <ul>
          {org.providers.map((p) => (
            <li key={p.id}>
              <Link to={`/providers/${p.id}/edit`}>Edit {p.name}</Link> · <Link to={`/providers/${p.id}`}>see it</Link>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={create} noValidate aria-labelledby="new-listing-heading">
        <h2 id="new-listing-heading">Add a listing</h2>
        <TextField id="new-listing-name" label="Name" value={name} onChange={setName} />
        <TextField id="new-listing-kind" label="Kind of organization" value={kind} onChange={setKind} hint="A short word such as ht_program, legal_aid, dv_sa_agency or health_clinic." />
        <button type="submit">Add the listing</button>
      </form>
    </Page>
  );
}
