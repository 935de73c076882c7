import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { gql } from '../api/client';
import { ApiError, errorSentence } from '../api/errors';
import { loadNeeds } from '../api/reference';
import { CLIENT_ROLES } from '../api/session';
import { Gate } from '../components/Gate';
import { ErrorMessage, Page } from '../components/Page';
import { graphql } from '../gql';
import type { ClientField, ConsentMethod, ContactChannel, ContactMode, Population, ReferClientsQuery, ReferTargetQuery, Urgency } from '../gql/graphql';
import {
  CHANNELS,
  CLIENT_FIELDS,
  CONSENT_METHODS,
  CONTACT_MODES,
  allowedMethods,
  consentProblems,
  consentSummary,
  describeFieldValue,
  expiryFor,
  formatDate,
  minorStatus,
  needsGuardian,
  type ClientRecord,
  type ConsentDraft,
} from '../lib/consent';
import { FormKeys } from '../lib/forms';
import { LANGUAGES, languageName } from '../lib/languages';
import { groupByPhase, type Need } from '../lib/needs';
import { URGENCIES } from '../lib/referrals';
import { POPULATIONS } from '../lib/searchState';

const ReferTarget = graphql(`
  query ReferTarget($id: ID!) {
    provider(id: $id) {
      id
      name
      organizationId
      organization { id name }
      services {
        id
        name
        minorMayConsentAlone
        needs { code label phase position }
      }
    }
    networkSettings { consentDefaultDays consentMaxDays }
    counties { fips name }
  }
`);

const ReferClients = graphql(`
  query ReferClients {
    clients(first: 100) {
      id
      code
      name
      dateOfBirth
      minor
      phone
      email
      needs
      notes
      preferredLanguage
      safeContact { channel voicemailOk mayNameAgency doNotContact }
    }
  }
`);

const CreateClient = graphql(`
  mutation ReferCreateClient($input: ClientCreate!) {
    createClient(input: $input) { id code }
  }
`);

const RecordConsent = graphql(`
  mutation ReferRecordConsent($key: String!, $input: ConsentRecord!) {
    recordConsent(idempotencyKey: $key, input: $input) { id }
  }
`);

const CreateReferral = graphql(`
  mutation ReferCreateReferral($key: String!, $input: ReferralCreate!) {
    createReferral(idempotencyKey: $key, input: $input) { id status }
  }
`);

type Target = NonNullable<ReferTargetQuery['provider']>;
type ClientRow = ReferClientsQuery['clients'][number];

/** What goes with the referral. Without personal data is the default: consent is never a
 *  condition of help. */
type Sharing = 'NONE' | 'CLIENT';

interface NewClient {
  code: string;
  name: string;
  dateOfBirth: string;
  under18: '' | 'yes' | 'no';
  phone: string;
  email: string;
  preferredLanguage: string;
  needs: string;
  notes: string;
  channel: ContactChannel;
  voicemailOk: boolean;
  mayNameAgency: boolean;
  doNotContact: boolean;
}

const EMPTY_CLIENT: NewClient = {
  code: '',
  name: '',
  dateOfBirth: '',
  under18: '',
  phone: '',
  email: '',
  preferredLanguage: '',
  needs: '',
  notes: '',
  channel: 'NONE',
  voicemailOk: false,
  mayNameAgency: false,
  doNotContact: false,
};

export function ReferPage() {
  return (
    <Gate title="Refer" roles={CLIENT_ROLES} what="make referrals">
      {() => <ReferForm />}
    </Gate>
  );
}

function ReferForm() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const [target, setTarget] = useState<Target | null | undefined>(undefined);
  const [rules, setRules] = useState<{ consentDefaultDays: number; consentMaxDays: number } | null>(null);
  const [counties, setCounties] = useState<{ fips: string; name: string }[]>([]);
  const [needs, setNeeds] = useState<Need[]>([]);
  const [loadError, setLoadError] = useState('');

  // The referral.
  const [serviceId, setServiceId] = useState('');
  const [needCode, setNeedCode] = useState('');
  const [urgency, setUrgency] = useState<Urgency>('ROUTINE');
  const [sharing, setSharing] = useState<Sharing>('NONE');
  const [note, setNote] = useState('');
  // Without personal data.
  const [county, setCounty] = useState('');
  const [language, setLanguage] = useState('');
  const [populations, setPopulations] = useState<Population[]>([]);
  // With the client's consent.
  const [clients, setClients] = useState<ClientRow[] | null>(null);
  const [clientChoice, setClientChoice] = useState<string>('');
  const [fresh, setFresh] = useState<NewClient>(EMPTY_CLIENT);
  const [shareFields, setShareFields] = useState<ClientField[]>(['NAME', 'CONTACT']);
  const [purpose, setPurpose] = useState('');
  const [purposeEdited, setPurposeEdited] = useState(false);
  const [days, setDays] = useState(90);
  const [contactMode, setContactMode] = useState<ContactMode>('IN_PERSON');
  const [method, setMethod] = useState<ConsentMethod>('WRITTEN_SIGNED');
  const [guardianRelationship, setGuardianRelationship] = useState('');
  const [guardianAttested, setGuardianAttested] = useState(false);

  // One submission's keys and what it has already created, kept across retries.
  const keys = useRef(new FormKeys());
  const obtainedAt = useRef<Date | null>(null);
  const [createdClient, setCreatedClient] = useState<{ id: string; code: string } | null>(null);
  const [consentId, setConsentId] = useState<string | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    gql(ReferTarget, { id }).then(
      (d) => {
        setTarget(d.provider ?? null);
        setRules(d.networkSettings);
        setDays(d.networkSettings.consentDefaultDays);
        setCounties(d.counties);
        const first = d.provider?.services[0];
        if (first) {
          setServiceId(first.id);
          setNeedCode(first.needs[0]?.code ?? '');
        }
      },
      (e) => setLoadError(errorSentence(e, 'make referrals')),
    );
    loadNeeds().then(setNeeds, () => undefined);
  }, [id]);

  useEffect(() => {
    if (sharing !== 'CLIENT' || clients) return;
    gql(ReferClients).then(
      (d) => setClients(d.clients),
      (e) => setError(errorSentence(e, 'see your clients')),
    );
  }, [sharing, clients]);

  const service = target?.services.find((s) => s.id === serviceId);
  const need = needs.find((n) => n.code === needCode) ?? service?.needs.find((n) => n.code === needCode);
  // The purpose follows the need chosen until the person words it themselves.
  useEffect(() => {
    if (target && need && !purposeEdited) setPurpose(`Referral for ${need.label.toLowerCase()} to ${target.name}`);
  }, [target, need, purposeEdited]);

  const existing = clients?.find((c) => c.id === clientChoice) ?? null;
  const isNew = clientChoice === 'new';
  const record: ClientRecord | null = isNew
    ? { ...fresh, safeContact: { channel: fresh.channel, voicemailOk: fresh.voicemailOk, mayNameAgency: fresh.mayNameAgency, doNotContact: fresh.doNotContact } }
    : existing;
  const today = useMemo(() => new Date(), []);
  const minor = isNew
    ? minorStatus(fresh.dateOfBirth || null, fresh.under18 === '' ? null : fresh.under18 === 'yes', today)
    : existing
      ? existing.minor ?? minorStatus(existing.dateOfBirth, null, today)
      : null;
  const minorAlone = service?.minorMayConsentAlone ?? false;
  const guardianNeeded = needsGuardian(minor, minorAlone);

  if (loadError) return <Page title="Refer"><ErrorMessage>{loadError}</ErrorMessage></Page>;
  if (target === undefined || !rules) return <Page title="Refer"><p role="status">Loading…</p></Page>;
  if (target === null) return <Page title="Refer"><p>This provider is not in the directory. It may have been removed.</p></Page>;
  if (!target.organizationId || !target.organization) {
    return (
      <Page title="Refer" heading={`Refer to ${target.name}`}>
        <p>This provider is not a member of the network, so Lantern cannot send them referrals. Call them instead; their phone numbers are on <Link to={`/providers/${target.id}`}>their page</Link>.</p>
      </Page>
    );
  }
  const organization = target.organization.name;

  const draft: ConsentDraft = {
    fields: shareFields,
    organization,
    provider: target.name,
    service: service?.name ?? '',
    purpose,
    days,
    obtainedAt: obtainedAt.current ?? new Date(),
    mode: contactMode,
    method,
    guardian: guardianNeeded ? { relationship: guardianRelationship } : null,
    minorConsentsAlone: minor === true && minorAlone,
  };

  const setMode = (mode: ContactMode) => {
    setContactMode(mode);
    if (!allowedMethods(mode).includes(method)) setMethod('WRITTEN_SIGNED');
  };
  const toggleField = (field: ClientField, on: boolean) =>
    setShareFields((list) => (on ? [...list.filter((f) => f !== field), field] : list.filter((f) => f !== field)));
  const togglePopulation = (p: Population, on: boolean) => setPopulations((list) => (on ? [...list, p] : list.filter((x) => x !== p)));

  const submit = async (send: boolean) => {
    setError('');
    const found: string[] = [];
    if (!service) found.push('Choose the service to refer to.');
    if (!needCode) found.push('Choose the need.');
    if (sharing === 'CLIENT') {
      if (!clientChoice) found.push('Choose the client, or add a new one.');
      else found.push(...consentProblems(draft, minor, minorAlone, guardianAttested));
    }
    setProblems(found);
    if (found.length) return;
    setBusy(true);
    try {
      let clientId: string | null = null;
      if (sharing === 'CLIENT') {
        clientId = isNew ? createdClient?.id ?? null : clientChoice;
        if (!clientId) {
          const made = await gql(CreateClient, { input: newClientInput(fresh) });
          clientId = made.createClient.id;
          setCreatedClient(made.createClient);
        }
        if (!consentId) {
          // The same moment on every retry, so a retried consent is the same request.
          obtainedAt.current ??= new Date();
          const at = obtainedAt.current;
          const recorded = await gql(RecordConsent, {
            key: keys.current.get('recordConsent'),
            input: {
              clientId,
              recipients: [target.organizationId!],
              fields: shareFields,
              purpose: purpose.trim(),
              method,
              contactMode,
              obtainedAt: at.toISOString(),
              expiresAt: expiryFor(at, days, rules).toISOString(),
              serviceId,
              guardian: guardianNeeded ? { relationship: guardianRelationship.trim(), notSuspectedAbuser: guardianAttested } : null,
            },
          });
          setConsentId(recorded.recordConsent.id);
        }
      }
      const made = await gql(CreateReferral, {
        key: keys.current.get('createReferral'),
        input: {
          serviceId,
          needCode,
          urgency,
          note: note.trim() || null,
          send,
          ...(sharing === 'CLIENT'
            ? { clientId, shareFields }
            : { county: county || null, language: language || null, populations }),
        },
      });
      navigate(`/referrals/${made.createReferral.id}`, { replace: true, state: { notice: send ? 'Referral sent.' : 'Draft saved. Only your organization sees it until you send it.' } });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'CONFLICT') {
        setError('This form was already submitted with other details. Look under Referrals, Sent, before sending again; to send another referral, open the Refer page anew.');
      } else {
        setError(errorSentence(e, 'send this referral'));
      }
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(true);
  };

  const groups = groupByPhase(service?.needs ?? []);
  const consentLocked = consentId !== null;

  return (
    <Page title="Refer" heading={`Refer to ${target.name}`} className="refer">
      <p>
        The referral goes to <strong>{organization}</strong>, which keeps this listing. <Link to={`/providers/${target.id}`}>Back to the provider</Link>
      </p>
      {/* No autofill memory of clients' details in the browser. */}
      <form onSubmit={onSubmit} noValidate autoComplete="off">
        <fieldset className="field">
          <legend>Service and need</legend>
          <div className="field">
            <label htmlFor="refer-service">Service</label>
            <select
              id="refer-service"
              value={serviceId}
              onChange={(e) => {
                setServiceId(e.target.value);
                setNeedCode(target.services.find((s) => s.id === e.target.value)?.needs[0]?.code ?? '');
              }}
            >
              {target.services.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="refer-need">Need</label>
            <select id="refer-need" value={needCode} onChange={(e) => setNeedCode(e.target.value)}>
              {groups.map((g) => (
                <optgroup key={g.phase} label={g.title}>
                  {g.items.map((n) => (
                    <option key={n.code} value={n.code}>
                      {n.label}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="refer-urgency">Urgency</label>
            <select id="refer-urgency" value={urgency} onChange={(e) => setUrgency(e.target.value as Urgency)}>
              {URGENCIES.map((u) => (
                <option key={u.value} value={u.value}>
                  {u.label}
                </option>
              ))}
            </select>
          </div>
        </fieldset>

        <fieldset className="field" disabled={consentLocked}>
          <legend>What goes with the referral</legend>
          <div className="check">
            <input type="radio" id="share-none" name="sharing" checked={sharing === 'NONE'} onChange={() => setSharing('NONE')} />
            <label htmlFor="share-none">Without personal data</label>
          </div>
          <p className="hint">Only the need, county, language, who the client is (populations) and urgency travel. No consent is needed: help never depends on it.</p>
          <div className="check">
            <input type="radio" id="share-client" name="sharing" checked={sharing === 'CLIENT'} onChange={() => setSharing('CLIENT')} />
            <label htmlFor="share-client">With personal data, with the client’s consent</label>
          </div>
        </fieldset>

        {sharing === 'NONE' ? (
          <fieldset className="field">
            <legend>About the need</legend>
            <div className="field">
              <label htmlFor="refer-county">County</label>
              <select id="refer-county" value={county} onChange={(e) => setCounty(e.target.value)}>
                <option value="">Not given</option>
                {counties.map((c) => (
                  <option key={c.fips} value={c.fips}>
                    {c.name} County
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="refer-language">Language</label>
              <select id="refer-language" value={language} onChange={(e) => setLanguage(e.target.value)}>
                <option value="">Not given</option>
                {LANGUAGES.map((l) => (
                  <option key={l.code} value={l.code}>
                    {l.name}
                  </option>
                ))}
              </select>
            </div>
            <fieldset className="field">
              <legend>The client is one of</legend>
              {POPULATIONS.map((p) => (
                <div className="check" key={p.value}>
                  <input type="checkbox" id={`pop-${p.value}`} checked={populations.includes(p.value)} onChange={(e) => togglePopulation(p.value, e.target.checked)} />
                  <label htmlFor={`pop-${p.value}`}>{p.label}</label>
                </div>
              ))}
            </fieldset>
          </fieldset>
        ) : (
          <>
            <fieldset className="field" disabled={consentLocked || createdClient !== null}>
              <legend>Client</legend>
              <div className="field">
                <label htmlFor="refer-client">Client of your organization</label>
                <select id="refer-client" value={clientChoice} onChange={(e) => setClientChoice(e.target.value)}>
                  <option value="">Choose…</option>
                  <option value="new">A new client (add them now)</option>
                  {(clients ?? []).map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.code}
                      {c.name ? ` — ${c.name}` : ''}
                    </option>
                  ))}
                </select>
              </div>
              {isNew && <NewClientFields value={fresh} onChange={setFresh} />}
            </fieldset>

            <fieldset className="field" disabled={consentLocked}>
              <legend>What to share</legend>
              <p className="hint">Share only what {organization} needs for this referral.</p>
              {CLIENT_FIELDS.map((f) => (
                <div className="check" key={f.field}>
                  <input type="checkbox" id={`field-${f.field}`} checked={shareFields.includes(f.field)} onChange={(e) => toggleField(f.field, e.target.checked)} />
                  <label htmlFor={`field-${f.field}`}>{f.label}</label>
                </div>
              ))}
            </fieldset>

            <fieldset className="field consent" disabled={consentLocked}>
              <legend>Consent</legend>
              <div className="field">
                <label htmlFor="consent-purpose">Purpose</label>
                <input
                  id="consent-purpose"
                  type="text"
                  value={purpose}
                  onChange={(e) => {
                    setPurposeEdited(true);
                    setPurpose(e.target.value);
                  }}
                />
              </div>
              <div className="field">
                <label htmlFor="consent-days">Days until consent expires</label>
                <input id="consent-days" type="number" min={1} max={rules.consentMaxDays} value={days} onChange={(e) => setDays(Number(e.target.value) || 1)} />
                <p className="hint">
                  The network’s default is {rules.consentDefaultDays} days, its maximum {rules.consentMaxDays}. It would expire on {formatDate(expiryFor(obtainedAt.current ?? new Date(), days, rules))}.
                </p>
              </div>
              <fieldset className="field">
                <legend>How is the client in touch with you?</legend>
                {CONTACT_MODES.map((m) => (
                  <div className="check" key={m.mode}>
                    <input type="radio" id={`mode-${m.mode}`} name="contact-mode" checked={contactMode === m.mode} onChange={() => setMode(m.mode)} />
                    <label htmlFor={`mode-${m.mode}`}>{m.label}</label>
                  </div>
                ))}
              </fieldset>
              <fieldset className="field">
                <legend>How was consent given?</legend>
                {CONSENT_METHODS.filter((m) => allowedMethods(contactMode).includes(m.method)).map((m) => (
                  <div className="check" key={m.method}>
                    <input type="radio" id={`method-${m.method}`} name="consent-method" checked={method === m.method} onChange={() => setMethod(m.method)} />
                    <label htmlFor={`method-${m.method}`}>{m.label}</label>
                  </div>
                ))}
                {contactMode === 'IN_PERSON' && <p className="hint">In person, consent must be written and signed. Verbal consent is only for phone or online contact.</p>}
              </fieldset>
              {guardianNeeded && (
                <fieldset className="field">
                  <legend>Parent’s or guardian’s consent</legend>
                  <p className="hint">The client is under 18: a parent or guardian must consent as well, and it must not be the person suspected of harming them.</p>
                  <div className="field">
                    <label htmlFor="guardian-relationship">Their relationship to the client</label>
                    <input id="guardian-relationship" type="text" value={guardianRelationship} onChange={(e) => setGuardianRelationship(e.target.value)} />
                  </div>
                  <div className="check">
                    <input type="checkbox" id="guardian-attested" checked={guardianAttested} onChange={(e) => setGuardianAttested(e.target.checked)} />
                    <label htmlFor="guardian-attested">I confirm this parent or guardian is not the suspected abuser</label>
                  </div>
                </fieldset>
              )}
              {minor === true && minorAlone && <p className="hint">The client is under 18; the network lets minors consent alone to this service.</p>}
            </fieldset>

            <section className="summary-box" aria-labelledby="consent-summary-heading">
              <h2 id="consent-summary-heading">What the client agrees to</h2>
              {consentLocked && <p className="success">Consent recorded.</p>}
              <ul>
                {consentSummary(draft, rules).map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
              {record && shareFields.length > 0 && (
                <table>
                  <caption>Exactly what {organization} will see</caption>
                  <thead>
                    <tr>
                      <th scope="col">Field</th>
                      <th scope="col">What they will see</th>
                    </tr>
                  </thead>
                  <tbody>
                    {CLIENT_FIELDS.filter((f) => shareFields.includes(f.field)).map((f) => (
                      <tr key={f.field}>
                        <th scope="row">{f.label}</th>
                        <td>{describeFieldValue(f.field, record, languageName)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          </>
        )}

        <div className="field">
          <label htmlFor="refer-note">Note for {organization} (optional)</label>
          <textarea id="refer-note" rows={3} value={note} onChange={(e) => setNote(e.target.value)} aria-describedby="refer-note-hint" />
          <p className="hint" id="refer-note-hint">
            {sharing === 'NONE'
              ? 'This referral carries no personal data, so the note must hold none either: no names, phone numbers, e-mail addresses or anything else that identifies the client.'
              : 'The note goes with the client’s data: they read it only while the consent lasts.'}
          </p>
        </div>

        {problems.length > 0 && (
          <div className="error" role="alert">
            <p>Before sending:</p>
            <ul>
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </div>
        )}
        <ErrorMessage>{error}</ErrorMessage>
        <div className="buttons">
          <button type="submit" disabled={busy}>
            Send the referral
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => void submit(false)}>
            Save as a draft
          </button>
        </div>
      </form>
    </Page>
  );
}

function newClientInput(c: NewClient) {
  const text = (v: string) => v.trim() || null;
  return {
    code: text(c.code),
    name: text(c.name),
    dateOfBirth: c.dateOfBirth || null,
    minor: c.dateOfBirth ? null : c.under18 === '' ? null : c.under18 === 'yes',
    phone: text(c.phone),
    email: text(c.email),
    preferredLanguage: c.preferredLanguage || null,
    needs: text(c.needs),
    notes: text(c.notes),
    safeContact: { channel: c.channel, voicemailOk: c.voicemailOk, mayNameAgency: c.mayNameAgency, doNotContact: c.doNotContact },
  };
}

/** The fields of a new client record. */
export function NewClientFields({ value, onChange }: { value: NewClient; onChange: (c: NewClient) => void }) {
  const set = <K extends keyof NewClient>(key: K, v: NewClient[K]) => onChange({ ...value, [key]: v });
  return (
    <div className="new-client">
      <div className="field">
        <label htmlFor="client-code">Code (pseudonymous)</label>
        <input id="client-code" type="text" value={value.code} onChange={(e) => set('code', e.target.value)} aria-describedby="client-code-hint" />
        <p className="hint" id="client-code-hint">Leave empty and Lantern makes one up. Never use the client’s name or initials.</p>
      </div>
      <div className="field">
        <label htmlFor="client-name">Name (optional)</label>
        <input id="client-name" type="text" autoComplete="off" value={value.name} onChange={(e) => set('name', e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="client-dob">Date of birth (optional)</label>
        <input id="client-dob" type="date" value={value.dateOfBirth} onChange={(e) => set('dateOfBirth', e.target.value)} />
      </div>
      {!value.dateOfBirth && (
        <fieldset className="field">
          <legend>Is the client under 18?</legend>
          {(
            [
              ['yes', 'Yes'],
              ['no', 'No'],
              ['', 'Not known'],
            ] as const
          ).map(([v, label]) => (
            <div className="check" key={v || 'unknown'}>
              <input type="radio" id={`under18-${v || 'unknown'}`} name="under18" checked={value.under18 === v} onChange={() => set('under18', v)} />
              <label htmlFor={`under18-${v || 'unknown'}`}>{label}</label>
            </div>
          ))}
        </fieldset>
      )}
      <div className="field">
        <label htmlFor="client-phone">Phone (optional)</label>
        <input id="client-phone" type="tel" autoComplete="off" value={value.phone} onChange={(e) => set('phone', e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="client-email">E-mail (optional)</label>
        <input id="client-email" type="email" autoComplete="off" value={value.email} onChange={(e) => set('email', e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="client-language">Preferred language</label>
        <select id="client-language" value={value.preferredLanguage} onChange={(e) => set('preferredLanguage', e.target.value)}>
          <option value="">Not given</option>
          {LANGUAGES.map((l) => (
            <option key={l.code} value={l.code}>
              {l.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="client-needs">Needs (optional)</label>
        <textarea id="client-needs" rows={2} value={value.needs} onChange={(e) => set('needs', e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="client-notes">Notes (optional)</label>
        <textarea id="client-notes" rows={2} value={value.notes} onChange={(e) => set('notes', e.target.value)} />
      </div>
      <fieldset className="field">
        <legend>Safe contact</legend>
        <div className="field">
          <label htmlFor="client-channel">How to contact them</label>
          <select id="client-channel" value={value.channel} onChange={(e) => set('channel', e.target.value as ContactChannel)}>
            {CHANNELS.map((c) => (
              <option key={c.channel} value={c.channel}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <div className="check">
          <input type="checkbox" id="client-voicemail" checked={value.voicemailOk} onChange={(e) => set('voicemailOk', e.target.checked)} />
          <label htmlFor="client-voicemail">Voicemail is OK</label>
        </div>
        <div className="check">
          <input type="checkbox" id="client-name-agency" checked={value.mayNameAgency} onChange={(e) => set('mayNameAgency', e.target.checked)} />
          <label htmlFor="client-name-agency">We may say which agency is calling</label>
        </div>
        <div className="check">
          <input type="checkbox" id="client-dnc" checked={value.doNotContact} onChange={(e) => set('doNotContact', e.target.checked)} />
          <label htmlFor="client-dnc">Do not contact</label>
        </div>
      </fieldset>
    </div>
  );
}

export { EMPTY_CLIENT, newClientInput, type NewClient };
