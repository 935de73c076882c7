import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { gql } from '../../api/client';
import { errorSentence } from '../../api/errors';
import { FormStatus, TextField } from '../../components/Fields';
import { Gate } from '../../components/Gate';
import { ErrorMessage, Page } from '../../components/Page';
import { useVersionedForm } from '../../components/useVersionedForm';
import { graphql } from '../../gql';
import type { SettingsPageQuery } from '../../gql/graphql';
import { NetworkNav } from './NetworkNav';

const SettingsQuery = graphql(`
  query SettingsPage {
    networkSettings { consentDefaultDays consentMaxDays followUpAcuteDays followUpTransitionalDays followUpLongTermDays version }
  }
`);
const SaveSettings = graphql(`
  mutation SaveSettings($version: Int!, $input: SettingsUpdate!) {
    updateNetworkSettings(version: $version, input: $input) { consentDefaultDays consentMaxDays followUpAcuteDays followUpTransitionalDays followUpLongTermDays version }
  }
`);

type Settings = SettingsPageQuery['networkSettings'];
type Draft = Record<Exclude<keyof Settings, 'version' | '__typename'>, string>;

const LABELS: Draft = {
  consentDefaultDays: 'Consent lasts, unless set otherwise (days)',
  consentMaxDays: 'Consent lasts at most (days)',
  followUpAcuteDays: 'Follow up on acute needs after (days)',
  followUpTransitionalDays: 'Follow up on transitional needs after (days)',
  followUpLongTermDays: 'Follow up on long-term needs after (days)',
};

function toDraft(s: Settings): Draft {
  return {
    consentDefaultDays: String(s.consentDefaultDays),
    consentMaxDays: String(s.consentMaxDays),
    followUpAcuteDays: String(s.followUpAcuteDays),
    followUpTransitionalDays: String(s.followUpTransitionalDays),
    followUpLongTermDays: String(s.followUpLongTermDays),
  };
}

export function SettingsPage() {
  return (
    <Gate title="Network settings" roles={['NETWORK_ADMIN']} what="change network settings">
      {() => <SettingsView />}
    </Gate>
  );
}

function SettingsView() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(() => gql(SettingsQuery).then((d) => d.networkSettings), []);
  useEffect(() => {
    load().then(setSettings, (e) => setError(errorSentence(e, 'see network settings')));
  }, [load]);
  return (
    <Page title="Network settings">
      <NetworkNav />
      <ErrorMessage>{error}</ErrorMessage>
      {settings ? <SettingsForm settings={settings} latest={load} /> : !error && <p role="status">Loading…</p>}
    </Page>
  );
}

function SettingsForm({ settings, latest }: { settings: Settings; latest: () => Promise<Settings> }) {
  const f = useVersionedForm(settings, toDraft, LABELS);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void f.save(
      async (version, d) => {
        const input = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Number(v)]));
        return (await gql(SaveSettings, { version, input })).updateNetworkSettings;
      },
      latest,
      'change network settings',
    );
  };
  return (
    <form onSubmit={submit} noValidate>
      <p>Consent must be time-limited (Standard 12): every consent gets an expiry, the default unless the person recording it chooses a shorter or longer one up to the maximum. A follow-up is scheduled for the sender when a referral is sent, sooner for acute needs.</p>
      {(Object.keys(LABELS) as (keyof Draft)[]).map((k) => (
        <TextField key={k} id={`setting-${k}`} label={LABELS[k]} type="number" value={f.draft[k]} onChange={(v) => f.set(k, v)} />
      ))}
      <FormStatus message={f.message} />
      <button type="submit" disabled={f.busy}>
        Save the settings
      </button>
    </form>
  );
}
