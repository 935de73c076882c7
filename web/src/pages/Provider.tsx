import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { gql } from '../api/client';
import { errorSentence } from '../api/errors';
import { mayEditListing, useSession, worksWithReferrals } from '../api/session';
import { loadCounties, type CountyFeatures } from '../api/reference';
import { ErrorMessage, Page } from '../components/Page';
import { useSheet } from '../components/useSheet';
import { graphql } from '../gql';
import type { ProviderQuery } from '../gql/graphql';
import { figureLine } from '../lib/capacity';
import { languageName } from '../lib/languages';
import { groupByPhase } from '../lib/needs';
import { POPULATIONS } from '../lib/searchState';
import { phonesInOrder, printableLocation } from '../lib/sheet';
import { SearchMap } from '../map/SearchMap';
import { AREA_NAMES, validity } from '../lib/standards';

const ProviderDetails = graphql(`
  query Provider($id: ID!) {
    provider(id: $id) {
      id
      name
      kind
      description
      website
      email
      synthetic
      organizationId
      htTrained
      hasContact
      hasActiveMou
      vettedServiceAreas { area validFrom validUntil }
      phones { number label twentyFourHour }
      services {
        id
        name
        description
        eligibility
        cost
        open24h
        languages
        populations
        needs { code label phase position }
        capacity { unitCode unitName state availableNow maximum ageSeconds exact }
      }
      locations {
        id
        confidential
        name
        latitude
        longitude
        address { street city state postalCode }
        county { fips name }
      }
      serviceArea { fips name }
    }
  }
`);

export type ProviderDetail = NonNullable<ProviderQuery['provider']>;

export function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}

export function populationLabel(value: string): string {
  return POPULATIONS.find((p) => p.value === value)?.label ?? value;
}

export function ProviderPage() {
  const { id = '' } = useParams();
  const [provider, setProvider] = useState<ProviderDetail | null | undefined>(undefined);
  const [error, setError] = useState('');
  const [counties, setCounties] = useState<CountyFeatures | null>(null);
  const sheet = useSheet();
  const { me } = useSession();
  const navigate = useNavigate();

  useEffect(() => {
    setProvider(undefined);
    gql(ProviderDetails, { id }).then(
      (d) => setProvider(d.provider ?? null),
      (e) => setError(errorSentence(e, 'see this provider')),
    );
    loadCounties().then(setCounties, () => undefined);
  }, [id]);

  const mapLocations = useMemo(
    () =>
      (provider?.locations ?? []).map((l) => ({
        providerId: provider!.id,
        providerName: l.confidential ? `${provider!.name} (confidential location)` : l.name ?? provider!.name,
        confidential: l.confidential,
        latitude: l.latitude,
        longitude: l.longitude,
        countyFips: l.county.fips,
        countyName: l.county.name,
      })),
    [provider],
  );

  if (error) return <Page title="Provider"><ErrorMessage>{error}</ErrorMessage></Page>;
  if (provider === undefined) return <Page title="Provider"><p role="status">Loading…</p></Page>;
  if (provider === null) {
    return (
      <Page title="Provider not found">
        <p>This provider is not in the directory. It may have been removed.</p>
        <p><Link to="/">Search again</Link></p>
      </Page>
    );
  }

  const needs = groupByPhase(
    [...new Map(provider.services.flatMap((s) => s.needs).map((n) => [n.code, n])).values()],
  );
  const languages = [...new Set(provider.services.flatMap((s) => s.languages))];
  const populations = [...new Set(provider.services.flatMap((s) => s.populations))];
  const onSheet = sheet.ids.includes(provider.id);

  return (
    <Page title={provider.name}>
      {provider.synthetic && <p className="notice">This is an invented sample listing, not a real organization.</p>}
      {provider.description && <p>{provider.description}</p>}
      {(worksWithReferrals(me) || mayEditListing(me, provider.organizationId)) && (
        <div className="buttons provider-actions">
          {worksWithReferrals(me) &&
            (provider.organizationId ? (
              <button type="button" onClick={() => navigate(`/providers/${provider.id}/refer`)}>
                Refer
              </button>
            ) : (
              <p className="hint">This provider is not a member of the network: call them to refer a client.</p>
            ))}
          {mayEditListing(me, provider.organizationId) && <Link to={`/providers/${provider.id}/edit`}>Edit this listing</Link>}
          {mayEditListing(me, provider.organizationId) && <> · <Link to={`/providers/${provider.id}/capacity`}>Tonight's capacity</Link></>}
        </div>
      )}
      <div className="check">
        <input type="checkbox" id="on-sheet" checked={onSheet} onChange={(e) => sheet.set(provider.id, e.target.checked)} />
        <label htmlFor="on-sheet">Add to printable sheet</label>
      </div>
      <div className="provider-layout">
        <div>
          <section aria-labelledby="phones">
            <h2 id="phones">Phones</h2>
            <ul>
              {phonesInOrder(provider.phones).map((p) => (
                <li key={p.number}>
                  {p.twentyFourHour ? <strong>24-hour line</strong> : p.label || 'Phone'}: <a href={`tel:${p.number.replace(/[^\d+]/g, '')}`}>{p.number}</a>
                  {p.twentyFourHour && p.label && p.label !== '24-hour line' ? ` (${p.label})` : ''}
                </li>
              ))}
            </ul>
            {provider.website && (
              <p>
                Website: <a href={provider.website} rel="noopener noreferrer">{provider.website}</a>
              </p>
            )}
            {provider.email && <p>Email: <a href={`mailto:${provider.email}`}>{provider.email}</a></p>}
          </section>
          <section aria-labelledby="answers">
            <h2 id="answers">Working with them</h2>
            <dl className="answers">
              <dt>Trained on human trafficking?</dt>
              <dd>{yesNo(provider.htTrained)}</dd>
              <dt>The network has a contact there?</dt>
              <dd>{yesNo(provider.hasContact)}</dd>
              <dt>MOU with the network in force?</dt>
              <dd>{yesNo(provider.hasActiveMou)}</dd>
            </dl>
          </section>
          <section aria-labelledby="vetted">
            <h2 id="vetted">Standards of Service</h2>
            {provider.vettedServiceAreas.length === 0 ? (
              <p>Not vetted: the organization keeping this listing has no review under the NC Human Trafficking Commission’s Standards of Service in force.</p>
            ) : (
              <>
                <p>A reviewer found that the organization keeping this listing meets the NC Human Trafficking Commission’s Standards of Service for:</p>
                <ul aria-label="Vetted service areas">
                  {provider.vettedServiceAreas.map((v) => (
                    <li key={v.area}>
                      {AREA_NAMES[v.area]}, {validity(v.validUntil)}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
          <section aria-labelledby="services">
            <h2 id="services">Services</h2>
            {provider.services.map((s) => (
              <article key={s.id} className="service">
                <h3>{s.name}</h3>
                {s.description && <p>{s.description}</p>}
                <p>
                  {s.open24h ? 'Open 24 hours. ' : ''}
                  {s.eligibility && `Who can use it: ${s.eligibility}. `}
                  {s.cost && `Cost: ${s.cost}.`}
                </p>
                <p>Languages: {s.languages.map(languageName).join(', ') || 'not listed'}</p>
                <p>Serves: {s.populations.map(populationLabel).join(', ') || 'not listed'}</p>
                {s.capacity.length > 0 && (
                  <ul className="capacity" aria-label={`${s.name}: capacity`}>
                    {s.capacity.map((c) => (
                      <li key={c.unitCode}>{figureLine(c)}</li>
                    ))}
                  </ul>
                )}
              </article>
            ))}
          </section>
          <section aria-labelledby="needs">
            <h2 id="needs">Needs they meet</h2>
            {needs.map((g) => (
              <div key={g.phase}>
                <h3>{g.title}</h3>
                <ul>
                  {g.items.map((n) => (
                    <li key={n.code}>{n.label}</li>
                  ))}
                </ul>
              </div>
            ))}
          </section>
          <section aria-labelledby="people">
            <h2 id="people">Languages and people served</h2>
            <p>Languages: {languages.map(languageName).join(', ') || 'not listed'}</p>
            <p>Serves: {populations.map(populationLabel).join(', ') || 'not listed'}</p>
          </section>
          <section aria-labelledby="area">
            <h2 id="area">Service area</h2>
            <p>{provider.serviceArea.map((c) => c.name).join(', ')} {provider.serviceArea.length === 1 ? 'County' : 'counties'}</p>
          </section>
        </div>
        <section aria-labelledby="locations" className="map-panel">
          <h2 id="locations">Locations</h2>
          <ul>
            {provider.locations.map((l) => (
              <li key={l.id}>{l.confidential ? `Confidential location in ${l.county.name} County (its address is not shown)` : printableLocation(l)}</li>
            ))}
          </ul>
          <section aria-label="Map">
            <SearchMap counties={counties} locations={mapLocations} near={null} label="This provider's locations" />
          </section>
        </section>
      </div>
    </Page>
  );
}
