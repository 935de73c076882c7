import { useEffect, useState, type FormEvent } from 'react';
import { gql } from '../../api/client';
import { errorSentence } from '../../api/errors';
import { CheckList } from '../../components/Fields';
import { Gate } from '../../components/Gate';
import { ErrorMessage, Page } from '../../components/Page';
import { graphql } from '../../gql';
import type { CountyTeamsQuery } from '../../gql/graphql';
import { NetworkNav } from './NetworkNav';

const Teams = graphql(`
  query CountyTeams {
    counties { fips name }
    organizations { id name }
  }
`);
const Team = graphql(`
  query CountyTeam($fips: String!) {
    countyWorksheet(fips: $fips) { team }
  }
`);
const SetTeam = graphql(`
  mutation SetCountyTeam($fips: String!, $organizationIds: [ID!]!) {
    setCountyTeam(fips: $fips, organizationIds: $organizationIds)
  }
`);

export function CountyTeamsPage() {
  return (
    <Gate title="County teams" roles={['NETWORK_ADMIN']} what="name county teams">
      {() => <CountyTeams />}
    </Gate>
  );
}

function CountyTeams() {
  const [data, setData] = useState<CountyTeamsQuery | null>(null);
  const [fips, setFips] = useState('');
  const [team, setTeam] = useState<string[] | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  useEffect(() => {
    gql(Teams).then(setData, (e) => setError(errorSentence(e, 'see county teams')));
  }, []);
  useEffect(() => {
    setTeam(null);
    setNotice('');
    if (!fips) return;
    gql(Team, { fips }).then((d) => setTeam(d.countyWorksheet.team), (e) => setError(errorSentence(e, 'see county teams')));
  }, [fips]);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!team) return;
    setError('');
    try {
      await gql(SetTeam, { fips, organizationIds: team });
      setNotice('Saved: these organizations now edit the county’s worksheet.');
    } catch (e) {
      setError(errorSentence(e, 'name county teams'));
    }
  };
  return (
    <Page title="County teams">
      <NetworkNav />
      <p>A county’s team (its multidisciplinary team’s organizations) keeps the county’s worksheet; every network member reads it.</p>
      <ErrorMessage>{error}</ErrorMessage>
      {data && (
        <form onSubmit={save} noValidate>
          <div className="field">
            <label htmlFor="team-county">County</label>
            <select id="team-county" value={fips} onChange={(e) => setFips(e.target.value)}>
              <option value="">Choose…</option>
              {data.counties.map((c) => (
                <option key={c.fips} value={c.fips}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          {team && (
            <>
              <CheckList id="team-org" legend="Organizations on the team" options={data.organizations.map((o) => ({ value: o.id, label: o.name }))} value={team} onChange={setTeam} />
              {notice && (
                <p className="success" role="status">
                  {notice}
                </p>
              )}
              <button type="submit">Save the team</button>
            </>
          )}
        </form>
      )}
    </Page>
  );
}
