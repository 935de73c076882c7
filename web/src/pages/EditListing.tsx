import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { gql } from '../api/client';
import { errorSentence } from '../api/errors';
import { loadNeeds } from '../api/reference';
import { mayEditListing, type Me } from '../api/session';
import { CheckList, FormStatus, TextField } from '../components/Fields';
import { Gate } from '../components/Gate';
import { ErrorMessage, Page } from '../components/Page';
import { useVersionedForm } from '../components/useVersionedForm';
import { graphql } from '../gql';
import type { ListingEditQuery, MouStatus, Population, TrainingKind } from '../gql/graphql';
import { formatDate } from '../lib/consent';
import { LANGUAGES } from '../lib/languages';
import { groupByPhase, type Need } from '../lib/needs';
import { POPULATIONS } from '../lib/searchState';

const ListingQuery = graphql(`
  query ListingEdit($id: ID!) {
    provider(id: $id) {
      id
      name
      kind
      description
      website
      email
      version
      organizationId
      phones { number label twentyFourHour }
      serviceArea { fips name }
      services {
        id
        name
        description
        eligibility
        cost
        open24h
        languages
        populations
        version
        minorMayConsentAlone
        needs { code }
      }
      locations {
        id
        name
        confidential
        approximate
        version
        address { street city state postalCode }
        county { fips name }
      }
      contacts { id name role phone email lastVerifiedOn version }
      trainingRecords { id trainedOn kind topic staffSharePercent evidenceRef lapsesOn }
      mous { id title scopeNeeds status inForce effectiveOn expiresOn signedOn documentRef version parties { organizationId countyFips } }
    }
    counties { fips name }
  }
`);

const UpdateProvider = graphql(`
  mutation UpdateListing($id: ID!, $version: Int!, $input: ProviderEdit!) {
    updateProvider(id: $id, version: $version, input: $input) { id version }
  }
`);
const SetArea = graphql(`
  mutation SetServiceArea($id: ID!, $version: Int!, $counties: [String!]!) {
    setServiceArea(providerId: $id, version: $version, counties: $counties) { id version }
  }
`);
const CreateService = graphql(`
  mutation CreateService($providerId: ID!, $input: ServiceEdit!) {
    createService(providerId: $providerId, input: $input) { id }
  }
`);
const UpdateService = graphql(`
  mutation UpdateService($id: ID!, $version: Int!, $input: ServiceEdit!) {
    updateService(id: $id, version: $version, input: $input) { id version }
  }
`);
const ArchiveService = graphql(`
  mutation ArchiveService($id: ID!, $version: Int!) {
    archiveService(id: $id, version: $version)
  }
`);
const MinorAlone = graphql(`
  mutation SetMinorSelfConsent($id: ID!, $allowed: Boolean!) {
    setMinorSelfConsent(serviceId: $id, allowed: $allowed)
  }
`);
const CreateLocation = graphql(`
  mutation CreateLocation($providerId: ID!, $input: LocationEdit!) {
    createLocation(providerId: $providerId, input: $input) { id approximate }
  }
`);
const UpdateLocation = graphql(`
  mutation UpdateLocation($id: ID!, $version: Int!, $input: LocationEdit!) {
    updateLocation(id: $id, version: $version, input: $input) { id version }
  }
`);
const ArchiveLocation = graphql(`
  mutation ArchiveLocation($id: ID!, $version: Int!) {
    archiveLocation(id: $id, version: $version)
  }
`);
const AddContact = graphql(`
  mutation AddContact($providerId: ID!, $input: ContactInput!) {
    addContact(providerId: $providerId, input: $input) { id }
  }
`);
const VerifyContact = graphql(`
  mutation VerifyContact($id: ID!, $version: Int!) {
    verifyContact(id: $id, version: $version)
  }
`);
const ArchiveContact = graphql(`
  mutation ArchiveContact($id: ID!, $version: Int!) {
    archiveContact(id: $id, version: $version)
  }
`);
const RecordTraining = graphql(`
  mutation RecordTraining($providerId: ID!, $input: TrainingInput!) {
    recordTraining(providerId: $providerId, input: $input) { id }
  }
`);
const CreateMou = graphql(`
  mutation CreateMou($input: MouInput!) {
    createMou(input: $input) { id }
  }
`);

type Listing = NonNullable<ListingEditQuery['provider']>;
type Service = Listing['services'][number];
type Location = Listing['locations'][number];
type County = { fips: string; name: string };

export function EditListingPage() {
  return (
    <Gate title="Edit listing" what="edit listings">
      {(me) => <EditListing me={me} />}
    </Gate>
  );
}

function EditListing({ me }: { me: Me }) {
  const { id = '' } = useParams();
  const [data, setData] = useState<ListingEditQuery | null>(null);
  const [error, setError] = useState('');
  const [needs, setNeeds] = useState<Need[]>([]);
  const [notice, setNotice] = useState('');

  const load = useCallback(
    () =>
      gql(ListingQuery, { id }).then(
        (d) => {
          setData(d);
          return d.provider ?? null;
        },
        (e) => {
          setError(errorSentence(e, 'edit this listing'));
          return null;
        },
      ),
    [id],
  );
  useEffect(() => {
    void load();
    loadNeeds().then(setNeeds, () => undefined);
  }, [load]);

  if (error) return <Page title="Edit listing"><ErrorMessage>{error}</ErrorMessage></Page>;
  if (!data) return <Page title="Edit listing"><p role="status">Loading…</p></Page>;
  const listing = data.provider;
  if (!listing) return <Page title="Edit listing"><p>This listing is not in the directory. It may have been archived.</p></Page>;
  if (!mayEditListing(me, listing.organizationId)) {
    return (
      <Page title="Edit listing" heading={`Edit ${listing.name}`}>
        <p>Only the provider staff of the organization keeping this listing, and network administrators, can change it. <Link to={`/providers/${listing.id}`}>Back to the listing</Link></p>
      </Page>
    );
  }
  const latest = async () => load();
  const changed = (text: string) => {
    setNotice(text);
    void load();
  };

  return (
    <Page title="Edit listing" heading={`Edit ${listing.name}`} className="edit-listing">
      <p>
        <Link to={`/providers/${listing.id}`}>See the listing as others do</Link>. Each part saves on its own; if someone else changed it first, you see their change and keep yours to save again.
      </p>
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <DetailsEditor key={listing.id} listing={listing} counties={data.counties} latest={latest} />
      <section aria-labelledby="services-heading">
        <h2 id="services-heading">Services</h2>
        {listing.services.map((s) => (
          <ServiceEditor key={s.id} service={s} needs={needs} isAdmin={me.role === 'NETWORK_ADMIN'} latest={async () => (await load())?.services.find((x) => x.id === s.id) ?? null} onArchived={() => changed(`Service “${s.name}” archived.`)} />
        ))}
        <NewService providerId={listing.id} needs={needs} onCreated={(name) => changed(`Service “${name}” added.`)} />
      </section>
      <section aria-labelledby="locations-heading">
        <h2 id="locations-heading">Locations</h2>
        <p className="hint">
          Enter an address: Lantern finds the point on the map. If it cannot yet, the location is placed at the county you choose, marked approximate, and tried again later.
        </p>
        {listing.locations.map((l) => (
          <LocationEditor key={l.id} location={l} counties={data.counties} latest={async () => (await load())?.locations.find((x) => x.id === l.id) ?? null} onArchived={() => changed('Location archived.')} />
        ))}
        <NewLocation providerId={listing.id} counties={data.counties} onCreated={(approximate) => changed(approximate ? 'Location added at its county, marked approximate: the address will be tried again.' : 'Location added.')} />
      </section>
      <ContactsSection listing={listing} onChanged={changed} />
      <TrainingSection listing={listing} onChanged={changed} />
      <MouSection listing={listing} me={me} needs={needs} onChanged={changed} />
    </Page>
  );
}

interface DetailsDraft {
  name: string;
  kind: string;
  description: string;
  website: string;
  email: string;
  phones: { number: string; label: string; twentyFourHour: boolean }[];
  counties: string[];
}

const KINDS = ['dv_sa_agency', 'health_clinic', 'ht_program', 'mental_health', 'social_services', 'legal_aid', 'youth_services', 'immigrant_services', 'workforce', 'faith_based', 'hospital', 'transportation', 'law_enforcement', 'child_care'];

function detailsDraft(l: Listing): DetailsDraft {
  return {
    name: l.name,
    kind: l.kind,
    description: l.description ?? '',
    website: l.website ?? '',
    email: l.email ?? '',
    phones: l.phones.map((p) => ({ number: p.number, label: p.label ?? '', twentyFourHour: p.twentyFourHour })),
    counties: l.serviceArea.map((c) => c.fips).sort(),
  };
}

function DetailsEditor({ listing, counties, latest }: { listing: Listing; counties: County[]; latest: () => Promise<Listing | null> }) {
  const f = useVersionedForm(listing, detailsDraft, {
    name: 'Name',
    kind: 'Kind',
    description: 'Description',
    website: 'Website',
    email: 'E-mail',
    phones: 'Phones',
    counties: 'Service area',
  });
  const d = f.draft;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void f.save(
      async (version, draft) => {
        const text = (v: string) => v.trim();
        const saved = await gql(UpdateProvider, {
          id: listing.id,
          version,
          input: {
            name: text(draft.name),
            kind: draft.kind,
            description: text(draft.description),
            website: text(draft.website),
            email: text(draft.email),
            phones: draft.phones.filter((p) => p.number.trim()).map((p) => ({ number: p.number.trim(), label: p.label.trim() || null, twentyFourHour: p.twentyFourHour })),
          },
        });
        let v = saved.updateProvider.version;
        const before = detailsDraft(f.base).counties;
        if (draft.counties.join() !== before.join()) v = (await gql(SetArea, { id: listing.id, version: v, counties: draft.counties })).setServiceArea.version;
        return (await latest()) ?? { ...listing, version: v };
      },
      async () => latest(),
      'edit this listing',
    );
  };
  const setPhone = (i: number, p: Partial<DetailsDraft['phones'][number]>) => f.set('phones', d.phones.map((x, j) => (j === i ? { ...x, ...p } : x)));
  return (
    <section aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <form onSubmit={submit} noValidate>
        <TextField id="listing-name" label="Name" value={d.name} onChange={(v) => f.set('name', v)} />
        <div className="field">
          <label htmlFor="listing-kind">Kind of organization</label>
          <select id="listing-kind" value={d.kind} onChange={(e) => f.set('kind', e.target.value)}>
            {[...new Set([d.kind, ...KINDS])].map((k) => (
              <option key={k} value={k}>
                {k.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </div>
        <TextField id="listing-description" label="Description" multiline value={d.description} onChange={(v) => f.set('description', v)} />
        <TextField id="listing-website" label="Website" type="url" value={d.website} onChange={(v) => f.set('website', v)} />
        <TextField id="listing-email" label="E-mail" type="email" value={d.email} onChange={(v) => f.set('email', v)} />
        <fieldset className="field">
          <legend>Phones</legend>
          {d.phones.map((p, i) => (
            <div className="phone-row" key={i}>
              <TextField id={`phone-${i}`} label={`Phone ${i + 1}`} type="tel" value={p.number} onChange={(v) => setPhone(i, { number: v })} />
              <TextField id={`phone-label-${i}`} label="Label" value={p.label} onChange={(v) => setPhone(i, { label: v })} />
              <div className="check">
                <input type="checkbox" id={`phone-24-${i}`} checked={p.twentyFourHour} onChange={(e) => setPhone(i, { twentyFourHour: e.target.checked })} />
                <label htmlFor={`phone-24-${i}`}>Answered 24 hours</label>
              </div>
              <button type="button" className="link-button" onClick={() => f.set('phones', d.phones.filter((_, j) => j !== i))}>
                Remove phone {i + 1}
              </button>
            </div>
          ))}
          <button type="button" className="secondary" onClick={() => f.set('phones', [...d.phones, { number: '', label: '', twentyFourHour: false }])}>
            Add a phone
          </button>
        </fieldset>
        <details className="field">
          <summary>Service area: {d.counties.length} {d.counties.length === 1 ? 'county' : 'counties'}</summary>
          <CheckList
            id="area"
            legend="Counties served (besides those with a location)"
            className="county-checks"
            options={counties.map((c) => ({ value: c.fips, label: c.name }))}
            value={d.counties}
            onChange={(v) => f.set('counties', [...v].sort())}
          />
        </details>
        <FormStatus message={f.message} />
        <button type="submit" disabled={f.busy}>
          Save details
        </button>
      </form>
    </section>
  );
}

interface ServiceDraft {
  name: string;
  description: string;
  eligibility: string;
  cost: string;
  open24h: boolean;
  needs: string[];
  languages: string[];
  populations: Population[];
}

function serviceDraft(s: Service): ServiceDraft {
  return {
    name: s.name,
    description: s.description ?? '',
    eligibility: s.eligibility ?? '',
    cost: s.cost ?? '',
    open24h: s.open24h,
    needs: s.needs.map((n) => n.code).sort(),
    languages: [...s.languages].sort(),
    populations: [...s.populations].sort(),
  };
}

function serviceInput(d: ServiceDraft) {
  return {
    name: d.name.trim(),
    description: d.description.trim(),
    eligibility: d.eligibility.trim(),
    cost: d.cost.trim(),
    open24h: d.open24h,
    needs: d.needs,
    languages: d.languages,
    populations: d.populations,
  };
}

function ServiceFields({ prefix, draft, set, needs }: { prefix: string; draft: ServiceDraft; set: <K extends keyof ServiceDraft>(k: K, v: ServiceDraft[K]) => void; needs: Need[] }) {
  return (
    <>
      <TextField id={`${prefix}-name`} label="Service name" value={draft.name} onChange={(v) => set('name', v)} />
      <TextField id={`${prefix}-description`} label="Description" multiline value={draft.description} onChange={(v) => set('description', v)} />
      <TextField id={`${prefix}-eligibility`} label="Who can use it (eligibility)" value={draft.eligibility} onChange={(v) => set('eligibility', v)} />
      <TextField id={`${prefix}-cost`} label="Cost" value={draft.cost} onChange={(v) => set('cost', v)} hint="For example: Free, or Sliding scale." />
      <div className="check">
        <input type="checkbox" id={`${prefix}-24h`} checked={draft.open24h} onChange={(e) => set('open24h', e.target.checked)} />
        <label htmlFor={`${prefix}-24h`}>Open 24 hours</label>
      </div>
      <details className="field">
        <summary>Needs it meets: {draft.needs.length}</summary>
        {groupByPhase(needs).map((g) => (
          <CheckList key={g.phase} id={`${prefix}-need-${g.phase}`} legend={g.title} options={g.items.map((n) => ({ value: n.code, label: n.label }))} value={draft.needs} onChange={(v) => set('needs', [...new Set([...draft.needs.filter((c) => !g.items.some((n) => n.code === c)), ...v])].sort())} />
        ))}
      </details>
      <CheckList id={`${prefix}-lang`} legend="Languages" className="inline-checks" options={LANGUAGES.map((l) => ({ value: l.code, label: l.name }))} value={draft.languages} onChange={(v) => set('languages', [...v].sort())} />
      <CheckList id={`${prefix}-pop`} legend="People served" className="inline-checks" options={POPULATIONS} value={draft.populations} onChange={(v) => set('populations', [...v].sort())} />
    </>
  );
}

function ServiceEditor({ service, needs, isAdmin, latest, onArchived }: { service: Service; needs: Need[]; isAdmin: boolean; latest: () => Promise<Service | null>; onArchived: () => void }) {
  const f = useVersionedForm(service, serviceDraft, {
    name: 'Service name',
    description: 'Description',
    eligibility: 'Eligibility',
    cost: 'Cost',
    open24h: 'Open 24 hours',
    needs: 'Needs',
    languages: 'Languages',
    populations: 'People served',
  });
  const [minorAlone, setMinorAlone] = useState(service.minorMayConsentAlone);
  const [extra, setExtra] = useState('');
  const prefix = `service-${service.id}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void f.save(
      async (version, draft) => {
        await gql(UpdateService, { id: service.id, version, input: serviceInput(draft) });
        return (await latest()) ?? service;
      },
      latest,
      'edit this service',
    );
  };
  const archive = async () => {
    try {
      await gql(ArchiveService, { id: service.id, version: f.base.version });
      onArchived();
    } catch (e) {
      setExtra(errorSentence(e, 'archive this service'));
    }
  };
  const toggleMinor = async (allowed: boolean) => {
    try {
      await gql(MinorAlone, { id: service.id, allowed });
      setMinorAlone(allowed);
    } catch (e) {
      setExtra(errorSentence(e, 'change who may consent'));
    }
  };
  return (
    <form className="service-editor" onSubmit={submit} noValidate aria-label={`Service: ${f.base.name}`}>
      <h3>{f.base.name}</h3>
      <ServiceFields prefix={prefix} draft={f.draft} set={f.set} needs={needs} />
      {isAdmin && (
        <div className="check">
          <input type="checkbox" id={`${prefix}-minor`} checked={minorAlone} onChange={(e) => void toggleMinor(e.target.checked)} />
          <label htmlFor={`${prefix}-minor`}>Minors may consent alone to this service (network policy)</label>
        </div>
      )}
      <FormStatus message={f.message} />
      <ErrorMessage>{extra}</ErrorMessage>
      <div className="buttons">
        <button type="submit" disabled={f.busy}>
          Save the service
        </button>
        <button type="button" className="secondary" onClick={() => void archive()}>
          Archive the service
        </button>
      </div>
    </form>
  );
}

const EMPTY_SERVICE: ServiceDraft = { name: '', description: '', eligibility: '', cost: '', open24h: false, needs: [], languages: ['en'], populations: [] };

function NewService({ providerId, needs, onCreated }: { providerId: string; needs: Need[]; onCreated: (name: string) => void }) {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState(EMPTY_SERVICE);
  const [error, setError] = useState('');
  if (!open) {
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Add a service
      </button>
    );
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    try {
      await gql(CreateService, { providerId, input: serviceInput(draft) });
      setDraft(EMPTY_SERVICE);
      setOpen(false);
      onCreated(draft.name);
    } catch (e) {
      setError(errorSentence(e, 'add a service'));
    }
  };
  return (
    <form className="service-editor" onSubmit={submit} noValidate aria-label="New service">
      <h3>New service</h3>
      <ServiceFields prefix="new-service" draft={draft} set={(k, v) => setDraft((d) => ({ ...d, [k]: v }))} needs={needs} />
      <ErrorMessage>{error}</ErrorMessage>
      <button type="submit">Add the service</button>
    </form>
  );
}

interface LocationDraft {
  name: string;
  street: string;
  city: string;
  postalCode: string;
  county: string;
  confidential: boolean;
}

function locationDraft(l: Location): LocationDraft {
  return {
    name: l.name ?? '',
    street: l.address?.street ?? '',
    city: l.address?.city ?? '',
    postalCode: l.address?.postalCode ?? '',
    county: l.county.fips,
    confidential: l.confidential,
  };
}

function locationInput(d: LocationDraft) {
  return { name: d.name.trim() || null, street: d.street.trim() || null, city: d.city.trim() || null, state: 'NC', postalCode: d.postalCode.trim() || null, county: d.county || null, confidential: d.confidential };
}

function LocationFields({ prefix, draft, set, counties }: { prefix: string; draft: LocationDraft; set: <K extends keyof LocationDraft>(k: K, v: LocationDraft[K]) => void; counties: County[] }) {
  return (
    <>
      <TextField id={`${prefix}-name`} label="Name of the place (optional)" value={draft.name} onChange={(v) => set('name', v)} />
      <TextField id={`${prefix}-street`} label="Street address" value={draft.street} onChange={(v) => set('street', v)} />
      <TextField id={`${prefix}-city`} label="City" value={draft.city} onChange={(v) => set('city', v)} />
      <TextField id={`${prefix}-zip`} label="ZIP code" value={draft.postalCode} onChange={(v) => set('postalCode', v)} />
      <div className="field">
        <label htmlFor={`${prefix}-county`}>County</label>
        <select id={`${prefix}-county`} value={draft.county} onChange={(e) => set('county', e.target.value)} aria-describedby={`${prefix}-county-hint`}>
          <option value="">Choose…</option>
          {counties.map((c) => (
            <option key={c.fips} value={c.fips}>
              {c.name}
            </option>
          ))}
        </select>
        <p className="hint" id={`${prefix}-county-hint`}>
          Used only if the address cannot be found yet: the location is then placed at the county and marked approximate.
        </p>
      </div>
      <div className="check">
        <input type="checkbox" id={`${prefix}-confidential`} checked={draft.confidential} onChange={(e) => set('confidential', e.target.checked)} aria-describedby={`${prefix}-confidential-hint`} />
        <label htmlFor={`${prefix}-confidential`}>Confidential location (a shelter)</label>
      </div>
      <p className="hint" id={`${prefix}-confidential-hint`}>
        A confidential location shows only its county to the public, to MDT members and to other providers’ staff: never its name, address or place on the map, and no distance that could find it. Network administrators, coordinators and advocates who arrange placements see it.
      </p>
    </>
  );
}

function LocationEditor({ location, counties, latest, onArchived }: { location: Location; counties: County[]; latest: () => Promise<Location | null>; onArchived: () => void }) {
  const f = useVersionedForm(location, locationDraft, { name: 'Name', street: 'Street', city: 'City', postalCode: 'ZIP code', county: 'County', confidential: 'Confidential' });
  const [extra, setExtra] = useState('');
  const prefix = `location-${location.id}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void f.save(
      async (version, draft) => {
        // Only what changed: an address sent again would be geocoded again.
        const was = locationInput(locationDraft(f.base));
        const now = locationInput(draft);
        const input = Object.fromEntries(Object.entries(now).filter(([k, v]) => was[k as keyof typeof was] !== v));
        await gql(UpdateLocation, { id: location.id, version, input });
        return (await latest()) ?? location;
      },
      latest,
      'edit this location',
    );
  };
  const archive = async () => {
    try {
      await gql(ArchiveLocation, { id: location.id, version: f.base.version });
      onArchived();
    } catch (e) {
      setExtra(errorSentence(e, 'archive this location'));
    }
  };
  return (
    <form className="location-editor" onSubmit={submit} noValidate aria-label={`Location in ${f.base.county.name} County`}>
      <h3>
        {f.base.name || f.base.address?.street || 'Location'}, {f.base.county.name} County{f.base.confidential ? ' (confidential)' : ''}
      </h3>
      {f.base.approximate && <p className="notice">Placed approximately, at its county: the address could not be found yet and will be tried again.</p>}
      <LocationFields prefix={prefix} draft={f.draft} set={f.set} counties={counties} />
      <FormStatus message={f.message} />
      <ErrorMessage>{extra}</ErrorMessage>
      <div className="buttons">
        <button type="submit" disabled={f.busy}>
          Save the location
        </button>
        <button type="button" className="secondary" onClick={() => void archive()}>
          Archive the location
        </button>
      </div>
    </form>
  );
}

const EMPTY_LOCATION: LocationDraft = { name: '', street: '', city: '', postalCode: '', county: '', confidential: false };

function NewLocation({ providerId, counties, onCreated }: { providerId: string; counties: County[]; onCreated: (approximate: boolean) => void }) {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState(EMPTY_LOCATION);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  if (!open) {
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Add a location
      </button>
    );
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    if (!draft.county) {
      setError('Choose the county: if the address cannot be found yet, the location is placed there.');
      return;
    }
    setBusy(true);
    try {
      const made = await gql(CreateLocation, { providerId, input: locationInput(draft) });
      setDraft(EMPTY_LOCATION);
      setOpen(false);
      onCreated(made.createLocation.approximate);
    } catch (e) {
      setError(errorSentence(e, 'add a location'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="location-editor" onSubmit={submit} noValidate aria-label="New location">
      <h3>New location</h3>
      <LocationFields prefix="new-location" draft={draft} set={(k, v) => setDraft((d) => ({ ...d, [k]: v }))} counties={counties} />
      <ErrorMessage>{error}</ErrorMessage>
      <button type="submit" disabled={busy}>
        Add the location
      </button>
    </form>
  );
}

function ContactsSection({ listing, onChanged }: { listing: Listing; onChanged: (text: string) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('');
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [error, setError] = useState('');
  const run = async (work: () => Promise<unknown>, done: string, doing: string) => {
    setError('');
    try {
      await work();
      onChanged(done);
    } catch (e) {
      setError(errorSentence(e, doing));
    }
  };
  const add = (event: FormEvent) => {
    event.preventDefault();
    void run(
      async () => {
        await gql(AddContact, { providerId: listing.id, input: { name: name.trim(), role: role.trim() || null, phone: phone.trim() || null, email: email.trim() || null } });
        setName('');
        setRole('');
        setPhone('');
        setEmail('');
      },
      'Contact added.',
      'add a contact',
    );
  };
  return (
    <section aria-labelledby="contacts-heading">
      <h2 id="contacts-heading">Contacts</h2>
      <p className="hint">The people the network can reach at this provider (“Have a contact?”). Seen by network members only.</p>
      <ul>
        {listing.contacts.map((c) => (
          <li key={c.id}>
            {c.name}
            {c.role ? `, ${c.role}` : ''}
            {c.phone ? `, ${c.phone}` : ''}
            {c.email ? `, ${c.email}` : ''}. {c.lastVerifiedOn ? `Verified ${formatDate(c.lastVerifiedOn)}.` : 'Never verified.'}{' '}
            <button type="button" className="link-button" onClick={() => void run(() => gql(VerifyContact, { id: c.id, version: c.version }), 'Contact marked verified today.', 'verify this contact')}>
              Mark {c.name} verified today
            </button>{' '}
            <button type="button" className="link-button" onClick={() => void run(() => gql(ArchiveContact, { id: c.id, version: c.version }), 'Contact archived.', 'archive this contact')}>
              Archive {c.name}
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={add} noValidate aria-label="Add a contact">
        <TextField id="contact-name" label="Contact’s name" value={name} onChange={setName} />
        <TextField id="contact-role" label="Their role" value={role} onChange={setRole} />
        <TextField id="contact-phone" label="Their phone" type="tel" value={phone} onChange={setPhone} />
        <TextField id="contact-email" label="Their e-mail" type="email" value={email} onChange={setEmail} />
        <ErrorMessage>{error}</ErrorMessage>
        <button type="submit">Add the contact</button>
      </form>
    </section>
  );
}

function TrainingSection({ listing, onChanged }: { listing: Listing; onChanged: (text: string) => void }) {
  const [trainedOn, setTrainedOn] = useState('');
  const [kind, setKind] = useState<TrainingKind>('BASIC');
  const [topic, setTopic] = useState('');
  const [share, setShare] = useState('');
  const [evidence, setEvidence] = useState('');
  const [error, setError] = useState('');
  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    if (!trainedOn) {
      setError('Enter the date of the training.');
      return;
    }
    try {
      await gql(RecordTraining, {
        providerId: listing.id,
        input: { trainedOn, kind, topic: topic.trim() || null, staffSharePercent: share ? Number(share) : null, evidenceRef: evidence.trim() || null },
      });
      setTrainedOn('');
      setTopic('');
      setShare('');
      setEvidence('');
      onChanged('Training recorded.');
    } catch (e) {
      setError(errorSentence(e, 'record training'));
    }
  };
  return (
    <section aria-labelledby="training-heading">
      <h2 id="training-heading">Human-trafficking training</h2>
      <p className="hint">“Trained on HT” means basic training covering sex and labor trafficking within the last 3 years (Standard 18).</p>
      <ul>
        {listing.trainingRecords.map((t) => (
          <li key={t.id}>
            {t.kind === 'BASIC' ? 'Basic' : 'Advanced'} training on {formatDate(t.trainedOn)}
            {t.topic ? ` (${t.topic})` : ''}
            {t.staffSharePercent !== null && t.staffSharePercent !== undefined ? `, ${t.staffSharePercent}% of direct-service staff` : ''}
            {t.lapsesOn ? `; counts until ${formatDate(t.lapsesOn)}` : ''}.
          </li>
        ))}
      </ul>
      <form onSubmit={add} noValidate aria-label="Record training">
        <TextField id="training-date" label="Date of the training" type="date" value={trainedOn} onChange={setTrainedOn} />
        <div className="field">
          <label htmlFor="training-kind">Kind</label>
          <select id="training-kind" value={kind} onChange={(e) => setKind(e.target.value as TrainingKind)}>
            <option value="BASIC">Basic (sex and labor trafficking)</option>
            <option value="ADVANCED">Advanced</option>
          </select>
        </div>
        <TextField id="training-topic" label="Topic (optional)" value={topic} onChange={setTopic} />
        <TextField id="training-share" label="Share of direct-service staff trained, in % (optional)" type="number" value={share} onChange={setShare} />
        <TextField id="training-evidence" label="Where the evidence is kept (optional)" value={evidence} onChange={setEvidence} />
        <ErrorMessage>{error}</ErrorMessage>
        <button type="submit">Record the training</button>
      </form>
    </section>
  );
}

function MouSection({ listing, me, needs, onChanged }: { listing: Listing; me: Me; needs: Need[]; onChanged: (text: string) => void }) {
  const mayRecord = me.role === 'NETWORK_ADMIN' || me.role === 'COORDINATOR';
  const [title, setTitle] = useState('');
  const [scope, setScope] = useState<string[]>([]);
  const [effectiveOn, setEffectiveOn] = useState('');
  const [expiresOn, setExpiresOn] = useState('');
  const [status, setStatus] = useState<MouStatus>('ACTIVE');
  const [error, setError] = useState('');
  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    try {
      await gql(CreateMou, {
        input: { providerId: listing.id, title: title.trim(), scopeNeeds: scope, effectiveOn: effectiveOn || null, expiresOn: expiresOn || null, status, parties: [{ organizationId: me.organizationId }] },
      });
      setTitle('');
      setScope([]);
      onChanged('MOU recorded.');
    } catch (e) {
      setError(errorSentence(e, 'record this MOU'));
    }
  };
  return (
    <section aria-labelledby="mous-heading">
      <h2 id="mous-heading">MOUs</h2>
      {listing.mous.length === 0 && <p>No MOU recorded with this provider.</p>}
      <ul>
        {listing.mous.map((m) => (
          <li key={m.id}>
            {m.title}: {m.inForce ? 'in force' : m.status.toLowerCase()}, {formatDate(m.effectiveOn)} to {formatDate(m.expiresOn)}; covers {m.scopeNeeds.length} {m.scopeNeeds.length === 1 ? 'need' : 'needs'}.
          </li>
        ))}
      </ul>
      {mayRecord ? (
        <form onSubmit={add} noValidate aria-label="Record an MOU">
          <p className="hint">Your organization is recorded as a party.</p>
          <TextField id="mou-title" label="MOU title" value={title} onChange={setTitle} />
          <details className="field">
            <summary>Needs it covers: {scope.length}</summary>
            <CheckList id="mou-scope" legend="Needs" options={needs.map((n) => ({ value: n.code, label: n.label }))} value={scope} onChange={setScope} />
          </details>
          <TextField id="mou-effective" label="In force from" type="date" value={effectiveOn} onChange={setEffectiveOn} />
          <TextField id="mou-expires" label="Last day in force" type="date" value={expiresOn} onChange={setExpiresOn} />
          <div className="field">
            <label htmlFor="mou-status">Status</label>
            <select id="mou-status" value={status} onChange={(e) => setStatus(e.target.value as MouStatus)}>
              <option value="DRAFT">Draft</option>
              <option value="ACTIVE">Active</option>
            </select>
          </div>
          <ErrorMessage>{error}</ErrorMessage>
          <button type="submit">Record the MOU</button>
        </form>
      ) : (
        <p className="hint">MOUs are recorded by network administrators and by the coordinators of the organizations party to them.</p>
      )}
    </section>
  );
}
