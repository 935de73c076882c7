// The NC Human Trafficking Commission's Standards of Service and the FUTURES capacity
// checklist in the app: an organization's self-assessment (one standard per step, the
// rubric beside the choice, saved as you go), the reviewer's queue and review, the
// capacity checklist and action plan, and the aggregate for the network and the
// Commission. The API decides who may see and do what; these pages show what it allows.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { gql } from '../../api/client';
import { errorSentence } from '../../api/errors';
import { useSession, type Me } from '../../api/session';
import { TextField } from '../../components/Fields';
import { Gate } from '../../components/Gate';
import { ErrorMessage, Page } from '../../components/Page';
import { graphql } from '../../gql';
import type {
  AssessmentPageQuery,
  CapacityItemStatus,
  ChecklistPageQuery,
  Role,
  StandardsDecision,
  StandardsLevel,
} from '../../gql/graphql';
import { NetworkNav } from '../network/NetworkNav';
import { AREA_NAMES, LEVEL_NAMES, answerProblem, areaList, firstOpenStep, parseRefs, reviewComplete, validity } from '../../lib/standards';

/** Roles that write their organization's assessment and checklist. */
const EDITORS: Role[] = ['NETWORK_ADMIN', 'COORDINATOR', 'PROVIDER_STAFF'];
/** Roles that read their organization's assessments (MDT viewers see aggregates only). */
const READERS: Role[] = ['NETWORK_ADMIN', 'COORDINATOR', 'PROVIDER_STAFF', 'ADVOCATE'];

function StandardsNav() {
  return (
    <nav aria-label="Standards of Service" className="sub-nav">
      <ul>
        <li>
          <Link to="/standards">Our standards</Link>
        </li>
        <li>
          <Link to="/standards/checklist">Capacity checklist</Link>
        </li>
        <li>
          <Link to="/standards/review">Review queue</Link>
        </li>
        <li>
          <Link to="/standards/aggregate">Statewide picture</Link>
        </li>
      </ul>
    </nav>
  );
}

function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric' }) : '';
}

// --- The organization's page ------------------------------------------------------------

const Overview = graphql(`
  query StandardsOverview($org: ID!) {
    vettedServiceAreas(organizationId: $org) { area validFrom validUntil }
    standardsScope(organizationId: $org) { area implied provided choice { provided reason } }
    standardsAssessments(organizationId: $org) {
      id number status submittedAt reviewedAt
      levelCounts { exceeds meets doesNotMeet notApplicable unanswered }
      outcome { serviceAreas validFrom validUntil }
    }
  }
`);
const SetArea = graphql(`
  mutation SetStandardsArea($org: ID!, $area: StandardServiceArea!, $provided: Boolean, $reason: String) {
    setStandardsServiceArea(organizationId: $org, area: $area, provided: $provided, reason: $reason) { area }
  }
`);
const Start = graphql(`
  mutation StartAssessment($org: ID!) { startStandardsAssessment(organizationId: $org) { id } }
`);

const STATUS_NAMES = { DRAFT: 'Draft', SUBMITTED: 'Awaiting review', RETURNED: 'Returned for revision', ACCEPTED: 'Accepted' } as const;

export function StandardsPage() {
  return (
    <Gate title="Standards of Service" roles={READERS} what="see your organization’s standards">
      {(me) => <StandardsView me={me} />}
    </Gate>
  );
}

function StandardsView({ me }: { me: Me }) {
  const navigate = useNavigate();
  const [data, setData] = useState<Awaited<ReturnType<typeof load>> | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(() => gql(Overview, { org: me.organizationId }), [me.organizationId]);
  useEffect(() => {
    load().then(setData, (e) => setError(errorSentence(e, 'see your organization’s standards')));
  }, [load]);
  const open = data?.standardsAssessments.find((a) => a.status === 'DRAFT' || a.status === 'SUBMITTED');
  const start = async () => {
    try {
      const started = await gql(Start, { org: me.organizationId });
      navigate(`/standards/assessments/${started.startStandardsAssessment.id}`);
    } catch (e) {
      setError(errorSentence(e, 'start a self-assessment'));
    }
  };
  return (
    <Page title="Standards of Service">
      <StandardsNav />
      <p>The NC Human Trafficking Commission’s Standards of Service say what survivors can expect from any organization serving them. Assess your organization against them; a reviewer outside it accepts each answer or returns it with a comment, and the service areas you meet the standards for are shown on your listings for a year.</p>
      <ErrorMessage>{error}</ErrorMessage>
      {data && (
        <>
          <section aria-labelledby="vetted-now">
            <h2 id="vetted-now">Vetted today</h2>
            {data.vettedServiceAreas.length === 0 ? (
              <p>Not vetted for any service area.</p>
            ) : (
              <ul>
                {data.vettedServiceAreas.map((v) => (
                  <li key={v.area}>
                    {AREA_NAMES[v.area]}, {validity(v.validUntil)}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="scope">
            <h2 id="scope">Service areas you provide</h2>
            <p>{areaList(data.standardsScope.filter((s) => s.provided).map((s) => s.area)) || 'None: the foundational standards apply.'}</p>
            <ul aria-label="How each service area was decided">
              {data.standardsScope.map((s) => (
                <li key={s.area}>
                  {AREA_NAMES[s.area]}: {s.provided ? 'provided' : 'not provided'}
                  {s.choice ? ` — your choice: “${s.choice.reason}”` : s.implied ? ' — your services’ needs imply it' : ''}
                </li>
              ))}
            </ul>
            {EDITORS.includes(me.role) && <ScopeForm org={me.organizationId} onSaved={() => load().then(setData)} />}
          </section>
          <section aria-labelledby="versions">
            <h2 id="versions">Self-assessments</h2>
            {EDITORS.includes(me.role) &&
              (open ? (
                <p>
                  <Link to={`/standards/assessments/${open.id}`}>{open.status === 'DRAFT' ? `Continue the draft (version ${open.number})` : `See version ${open.number}, awaiting review`}</Link>
                </p>
              ) : (
                <button type="button" onClick={start}>
                  Start a self-assessment
                </button>
              ))}
            {data.standardsAssessments.length === 0 ? (
              <p>None yet.</p>
            ) : (
              <table>
                <caption>Every version, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Status</th>
                    <th scope="col">Exceeds / meets / does not meet / not applicable</th>
                    <th scope="col">Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {data.standardsAssessments.map((a) => (
                    <tr key={a.id}>
                      <td>
                        <Link to={`/standards/assessments/${a.id}`}>Version {a.number}</Link>
                      </td>
                      <td>
                        {STATUS_NAMES[a.status]} {a.submittedAt ? `(submitted ${when(a.submittedAt)})` : ''}
                      </td>
                      <td>
                        {a.levelCounts.exceeds} / {a.levelCounts.meets} / {a.levelCounts.doesNotMeet} / {a.levelCounts.notApplicable}
                      </td>
                      <td>{a.outcome ? `Vetted for ${areaList(a.outcome.serviceAreas) || 'no service area'} until ${when(a.outcome.validUntil)}` : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
      {!data && !error && <p role="status">Loading…</p>}
    </Page>
  );
}

/** Adds or removes a service area against what the organization's services imply, with
 *  the reason (kept and audited), or goes back to what they imply. */
function ScopeForm({ org, onSaved }: { org: string; onSaved: () => Promise<void> }) {
  const [area, setArea] = useState<keyof typeof AREA_NAMES>('HOTLINE');
  const [choice, setChoice] = useState<'yes' | 'no' | 'implied'>('implied');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const provided = choice === 'implied' ? null : choice === 'yes';
      await gql(SetArea, { org, area, provided, reason: provided === null ? null : reason });
      setMessage('Service area saved.');
      setReason('');
      await onSaved();
    } catch (e) {
      setMessage(errorSentence(e, 'change your service areas'));
    }
  };
  return (
    <form onSubmit={submit} aria-label="Change a service area" noValidate>
      <div className="field">
        <label htmlFor="scope-area">Service area</label>
        <select id="scope-area" value={area} onChange={(e) => setArea(e.target.value as keyof typeof AREA_NAMES)}>
          {Object.entries(AREA_NAMES).map(([value, name]) => (
            <option key={value} value={value}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field">
        <legend>Do you provide it?</legend>
        {(
          [
            ['yes', 'We provide it'],
            ['no', 'We do not provide it'],
            ['implied', 'As our services imply'],
          ] as const
        ).map(([value, label]) => (
          <div className="check" key={value}>
            <input type="radio" name="scope-choice" id={`scope-${value}`} checked={choice === value} onChange={() => setChoice(value)} />
            <label htmlFor={`scope-${value}`}>{label}</label>
          </div>
        ))}
      </fieldset>
      {choice !== 'implied' && <TextField id="scope-reason" label="Why" value={reason} onChange={setReason} multiline />}
      <p role="status">{message}</p>
      <button type="submit">Save the service area</button>
    </form>
  );
}

// --- One version: the form, or the review ------------------------------------------------

const AssessmentQuery = graphql(`
  query AssessmentPage($id: ID!) {
    standardsAssessment(id: $id) {
      id organizationId number status version serviceAreas
      organization { name }
      applicableStandards { number title group serviceArea statement exceeds meets doesNotMeet }
      answers { standardNumber level notApplicableReason evidenceNote evidenceRefs assessedOn version decision { decision comment } }
      unanswered undecided
      outcome { serviceAreas validFrom validUntil }
    }
  }
`);
const SaveAnswer = graphql(`
  mutation SaveStandardsAnswer($a: ID!, $n: Int!, $v: Int!, $i: StandardsAnswerInput!) {
    saveStandardsAnswer(assessmentId: $a, standardNumber: $n, version: $v, input: $i) { assessmentVersion }
  }
`);
const Submit = graphql(`
  mutation SubmitAssessment($id: ID!, $v: Int!) { submitStandardsAssessment(id: $id, version: $v) { id } }
`);
const Decide = graphql(`
  mutation ReviewStandard($a: ID!, $n: Int!, $d: StandardsDecision!, $c: String) {
    reviewStandard(assessmentId: $a, standardNumber: $n, decision: $d, comment: $c) { standardNumber }
  }
`);
const Complete = graphql(`
  mutation CompleteReview($a: ID!, $from: NaiveDate, $until: NaiveDate) {
    completeStandardsReview(assessmentId: $a, validFrom: $from, validUntil: $until) { id }
  }
`);

type Assessment = AssessmentPageQuery['standardsAssessment'];

export function AssessmentPage() {
  return (
    <Gate title="Self-assessment" what="see a self-assessment">
      {(me) => <AssessmentView me={me} />}
    </Gate>
  );
}

function AssessmentView({ me }: { me: Me }) {
  const { id = '' } = useParams();
  const [a, setA] = useState<Assessment | null>(null);
  const [error, setError] = useState('');
  const reload = useCallback(
    () =>
      gql(AssessmentQuery, { id }).then(
        (d) => setA(d.standardsAssessment),
        (e) => setError(errorSentence(e, 'see this self-assessment')),
      ),
    [id],
  );
  useEffect(() => {
    void reload();
  }, [reload]);
  const own = a?.organizationId === me.organizationId;
  const title = a ? `Self-assessment, version ${a.number}` : 'Self-assessment';
  return (
    <Page title={title}>
      <StandardsNav />
      <ErrorMessage>{error}</ErrorMessage>
      {a && (
        <>
          <p>
            {a.organization?.name ?? 'An organization'} · {STATUS_NAMES[a.status]} · service areas assessed: {areaList(a.serviceAreas) || 'foundational standards only'}
          </p>
          {a.outcome && (
            <p role="status">
              Outcome: vetted for {areaList(a.outcome.serviceAreas) || 'no service area'} from {when(a.outcome.validFrom)} until {when(a.outcome.validUntil)}.
            </p>
          )}
          {a.status === 'DRAFT' && own && EDITORS.includes(me.role) ? (
            <AssessmentForm a={a} onChanged={setA} reload={reload} />
          ) : a.status === 'SUBMITTED' && !own ? (
            <ReviewForm a={a} reload={reload} />
          ) : (
            <AnswersList a={a} />
          )}
        </>
      )}
      {!a && !error && <p role="status">Loading…</p>}
    </Page>
  );
}

interface Draft {
  level: StandardsLevel | '';
  reason: string;
  note: string;
  refs: string;
  assessedOn: string;
}

function draftOf(a: Assessment, number: number): Draft {
  const answer = a.answers.find((x) => x.standardNumber === number);
  return {
    level: answer?.level ?? '',
    reason: answer?.notApplicableReason ?? '',
    note: answer?.evidenceNote ?? '',
    refs: (answer?.evidenceRefs ?? []).join('\n'),
    assessedOn: answer?.assessedOn ?? '',
  };
}

/** One standard per step, the rubric texts beside the choice; each step is saved when
 *  the person moves on, so nothing typed is lost. */
function AssessmentForm({ a, onChanged, reload }: { a: Assessment; onChanged: (a: Assessment) => void; reload: () => Promise<void> }) {
  const navigate = useNavigate();
  const standards = a.applicableStandards;
  const [step, setStep] = useState(() => firstOpenStep(standards.map((s) => s.number), a.unanswered));
  const standard = standards[Math.min(step, standards.length - 1)]!;
  const [draft, setDraft] = useState<Draft>(() => draftOf(a, standard.number));
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setDraft(draftOf(a, standard.number));
    setMessage('');
    // Only a new step loads its answer; saving keeps what is typed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [standard.number]);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const levels: { level: StandardsLevel; rubric: string | null | undefined }[] = [
    { level: 'EXCEEDS', rubric: standard.exceeds },
    { level: 'MEETS', rubric: standard.meets },
    { level: 'DOES_NOT_MEET', rubric: standard.doesNotMeet },
    { level: 'NOT_APPLICABLE', rubric: 'The standard does not apply to your organization; say why.' },
  ];

  /** Saves this step's answer; whether it was saved. */
  const save = async (): Promise<boolean> => {
    const problem = answerProblem(draft.level, draft.reason);
    if (problem) {
      setMessage(problem);
      return false;
    }
    const existing = a.answers.find((x) => x.standardNumber === standard.number);
    const unchanged = JSON.stringify(draftOf(a, standard.number)) === JSON.stringify(draft);
    if (unchanged && existing) return true;
    if (!draft.level && !draft.note.trim() && !draft.refs.trim() && !existing) return true;
    setBusy(true);
    try {
      const input = {
        level: draft.level || null,
        notApplicableReason: draft.level === 'NOT_APPLICABLE' ? draft.reason : null,
        evidenceNote: draft.note.trim() || null,
        evidenceRefs: parseRefs(draft.refs),
        assessedOn: draft.assessedOn || null,
      };
      const saved = await gql(SaveAnswer, { a: a.id, n: standard.number, v: existing?.version ?? 0, i: input });
      const fresh = await gql(AssessmentQuery, { id: a.id });
      onChanged(fresh.standardsAssessment);
      setMessage(`Saved standard ${standard.number} (assessment version ${saved.saveStandardsAnswer.assessmentVersion}).`);
      return true;
    } catch (e) {
      setMessage(errorSentence(e, 'save this answer'));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const go = async (to: number) => {
    if (await save()) setStep(Math.max(0, Math.min(standards.length - 1, to)));
  };
  const submit = async () => {
    if (!(await save())) return;
    setBusy(true);
    try {
      const fresh = (await gql(AssessmentQuery, { id: a.id })).standardsAssessment;
      await gql(Submit, { id: a.id, v: fresh.version });
      await reload();
      navigate(`/standards/assessments/${a.id}`, { replace: true });
    } catch (e) {
      setMessage(errorSentence(e, 'submit the self-assessment'));
    } finally {
      setBusy(false);
    }
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void go(step + 1);
  };
  const answered = standards.length - a.unanswered.length;
  return (
    <form onSubmit={onSubmit} aria-label="Self-assessment" noValidate>
      <p>
        <progress max={standards.length} value={answered} aria-label="Standards answered" /> {answered} of {standards.length} standards answered
      </p>
      <h2>
        Standard {standard.number} of the Standards of Service: {standard.title}
      </h2>
      <p className="hint">
        Step {step + 1} of {standards.length} · {standard.serviceArea ? AREA_NAMES[standard.serviceArea] : `Foundational: ${standard.group ?? ''}`}
      </p>
      {standard.statement && <p>{standard.statement}</p>}
      <fieldset className="field rubric">
        <legend>Level</legend>
        {levels
          .filter((l) => l.rubric)
          .map((l) => (
            <div className="check" key={l.level}>
              <input type="radio" name="level" id={`level-${l.level}`} checked={draft.level === l.level} onChange={() => set('level', l.level)} aria-describedby={`rubric-${l.level}`} />
              <label htmlFor={`level-${l.level}`}>{LEVEL_NAMES[l.level]}</label>
              <p className="hint" id={`rubric-${l.level}`}>
                {l.rubric}
              </p>
            </div>
          ))}
      </fieldset>
      {draft.level === 'NOT_APPLICABLE' && <TextField id="na-reason" label="Why it does not apply" value={draft.reason} onChange={(v) => set('reason', v)} multiline />}
      <TextField id="evidence-note" label="Evidence" hint="What shows it: a policy, a practice, training records. Never a survivor’s details." value={draft.note} onChange={(v) => set('note', v)} multiline />
      <TextField id="evidence-refs" label="Document references (one per line)" hint="Names of documents, not the documents." value={draft.refs} onChange={(v) => set('refs', v)} multiline />
      <TextField id="assessed-on" label="Assessed on" type="date" hint="Today if left empty." value={draft.assessedOn} onChange={(v) => set('assessedOn', v)} />
      <p role="status" className={message.startsWith('Saved') ? 'success' : 'error'}>
        {message}
      </p>
      <div className="actions">
        <button type="button" disabled={busy || step === 0} onClick={() => void go(step - 1)}>
          Previous
        </button>
        {step < standards.length - 1 ? (
          <button type="submit" disabled={busy}>
            Save and next
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => void save()}>
            Save
          </button>
        )}
        {a.unanswered.length > 0 && a.unanswered[0] !== standard.number && (
          <button type="button" disabled={busy} onClick={() => void go(standards.findIndex((s) => s.number === a.unanswered[0]))}>
            Go to the first unanswered standard
          </button>
        )}
      </div>
      <section aria-labelledby="submit-heading">
        <h2 id="submit-heading">Submit</h2>
        {a.unanswered.length > 0 ? (
          <p>Every standard needs a level before you submit: {a.unanswered.length} to go.</p>
        ) : (
          <p>Every standard has a level. Once submitted, this version cannot change; a reviewer outside your organization reviews it.</p>
        )}
        <button type="button" disabled={busy || a.unanswered.length > 0} onClick={() => void submit()}>
          Submit the self-assessment
        </button>
      </section>
    </form>
  );
}

/** A version as it stands, with the reviewer's decisions. */
function AnswersList({ a }: { a: Assessment }) {
  return (
    <ol className="answers-list" aria-label="Answers">
      {a.applicableStandards.map((s) => {
        const answer = a.answers.find((x) => x.standardNumber === s.number);
        return (
          <li key={s.number}>
            <strong>
              Standard {s.number}: {s.title}
            </strong>{' '}
            — {answer?.level ? LEVEL_NAMES[answer.level] : 'not answered'}
            {answer?.notApplicableReason && ` (${answer.notApplicableReason})`}
            {answer?.evidenceNote && <p>Evidence: {answer.evidenceNote}</p>}
            {answer?.decision && (
              <p>
                Reviewer: {answer.decision.decision === 'ACCEPTED' ? 'accepted' : 'returned'}
                {answer.decision.comment && ` — “${answer.decision.comment}”`}
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** The reviewer's view: accept each standard or return it with a comment, then record
 *  the outcome. */
function ReviewForm({ a, reload }: { a: Assessment; reload: () => Promise<void> }) {
  const [comments, setComments] = useState<Record<number, string>>({});
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const decide = async (n: number, decision: StandardsDecision) => {
    const comment = comments[n]?.trim() || null;
    if (decision === 'RETURNED' && !comment) {
      setMessage(`Standard ${n}: say why you return it.`);
      return;
    }
    setBusy(true);
    try {
      await gql(Decide, { a: a.id, n, d: decision, c: comment });
      setMessage(`Standard ${n} ${decision === 'ACCEPTED' ? 'accepted' : 'returned'}.`);
      await reload();
    } catch (e) {
      setMessage(errorSentence(e, 'review this standard'));
    } finally {
      setBusy(false);
    }
  };
  const complete = async () => {
    setBusy(true);
    try {
      await gql(Complete, { a: a.id, from: from || null, until: until || null });
      setMessage('Review completed.');
      await reload();
    } catch (e) {
      setMessage(errorSentence(e, 'complete the review'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p role="status">{message}</p>
      <ol className="answers-list" aria-label="Standards to review">
        {a.applicableStandards.map((s) => {
          const answer = a.answers.find((x) => x.standardNumber === s.number);
          return (
            <li key={s.number}>
              <article aria-label={`Standard ${s.number}`}>
                <h2>
                  Standard {s.number}: {s.title}
                </h2>
                <p>
                  Their answer: <strong>{answer?.level ? LEVEL_NAMES[answer.level] : 'none'}</strong>
                  {answer?.notApplicableReason && ` — ${answer.notApplicableReason}`}
                </p>
                {answer?.evidenceNote && <p>Evidence: {answer.evidenceNote}</p>}
                {answer && answer.evidenceRefs.length > 0 && <p>Documents: {answer.evidenceRefs.join('; ')}</p>}
                <details>
                  <summary>The rubric</summary>
                  {s.exceeds && <p>Exceeds: {s.exceeds}</p>}
                  <p>Meets: {s.meets}</p>
                  <p>Does not meet: {s.doesNotMeet}</p>
                </details>
                {answer?.decision ? (
                  <p>
                    Decided: {answer.decision.decision === 'ACCEPTED' ? 'accepted' : 'returned'}
                    {answer.decision.comment && ` — “${answer.decision.comment}”`}
                  </p>
                ) : null}
                <TextField id={`comment-${s.number}`} label={`Comment on standard ${s.number}`} value={comments[s.number] ?? ''} onChange={(v) => setComments((c) => ({ ...c, [s.number]: v }))} multiline />
                <div className="actions">
                  <button type="button" disabled={busy} onClick={() => void decide(s.number, 'ACCEPTED')}>
                    Accept standard {s.number}
                  </button>
                  <button type="button" disabled={busy} onClick={() => void decide(s.number, 'RETURNED')}>
                    Return standard {s.number} with the comment
                  </button>
                </div>
              </article>
            </li>
          );
        })}
      </ol>
      <section aria-labelledby="complete-heading">
        <h2 id="complete-heading">Complete the review</h2>
        <p>
          {reviewComplete(a.undecided)
            ? 'Every standard is decided. If any was returned, the organization revises it in a new version; otherwise the outcome is recorded.'
            : `${a.undecided.length} standards still need a decision.`}
        </p>
        <TextField id="valid-from" label="Valid from" type="date" hint="Today if left empty." value={from} onChange={setFrom} />
        <TextField id="valid-until" label="Valid until" type="date" hint="A year by default (the day before the anniversary); earlier if you choose." value={until} onChange={setUntil} />
        <button type="button" disabled={busy || !reviewComplete(a.undecided)} onClick={() => void complete()}>
          Complete the review
        </button>
      </section>
    </>
  );
}

// --- The reviewer's queue ----------------------------------------------------------------

const Queue = graphql(`
  query ReviewQueue { standardsReviewQueue { id number submittedAt serviceAreas organization { name } } }
`);

export function ReviewQueuePage() {
  return (
    <Gate title="Review queue" what="review self-assessments">
      {() => <ReviewQueueView />}
    </Gate>
  );
}

function ReviewQueueView() {
  const [queue, setQueue] = useState<Awaited<ReturnType<typeof loadQueue>> | null>(null);
  const [error, setError] = useState('');
  const loadQueue = () => gql(Queue).then((d) => d.standardsReviewQueue);
  useEffect(() => {
    loadQueue().then(setQueue, (e) => setError(errorSentence(e, 'review self-assessments')));
  }, []);
  return (
    <Page title="Review queue">
      <StandardsNav />
      <p>Self-assessments awaiting review, oldest first. You never see your own organization’s here.</p>
      <ErrorMessage>{error}</ErrorMessage>
      {queue && queue.length === 0 && <p>Nothing awaits review.</p>}
      {queue && queue.length > 0 && (
        <ul aria-label="Awaiting review">
          {queue.map((a) => (
            <li key={a.id}>
              <Link to={`/standards/assessments/${a.id}`}>
                Review {a.organization?.name ?? 'an organization'}, version {a.number}
              </Link>{' '}
              (submitted {when(a.submittedAt)}; {areaList(a.serviceAreas) || 'foundational standards only'})
            </li>
          ))}
        </ul>
      )}
      {!queue && !error && <p role="status">Loading…</p>}
    </Page>
  );
}

// --- The FUTURES capacity checklist and action plan -------------------------------------

const ChecklistQuery = graphql(`
  query ChecklistPage($org: ID!) {
    capacityChecklist(organizationId: $org) {
      sections { number code title items { code position text kind answer { status note version } } }
      review { questions { code text } capacity gapsAndLimits priorities resourcesNeeded version }
      goalFields { code text }
      goals { id goal actionSteps organizationsEngaged { organization responsibilities } timeline nextSteps resourcesNeeded version }
    }
  }
`);
const SaveItem = graphql(`
  mutation SaveChecklistItem($o: ID!, $c: String!, $v: Int!, $i: CapacityChecklistAnswerInput!) {
    saveCapacityChecklistAnswer(organizationId: $o, itemCode: $c, version: $v, input: $i) { version }
  }
`);
const SaveReview = graphql(`
  mutation SaveCapacityReview($o: ID!, $v: Int!, $i: CapacityReviewInput!) {
    updateCapacityReview(organizationId: $o, version: $v, input: $i) { version }
  }
`);
const NewGoal = graphql(`
  mutation NewCapacityGoal($o: ID!, $i: CapacityGoalInput!) { createCapacityGoal(organizationId: $o, input: $i) { id } }
`);

type Checklist = ChecklistPageQuery['capacityChecklist'];
const STATUS_LABELS: Record<CapacityItemStatus, string> = { YES: 'Yes', NO: 'No', IN_PROGRESS: 'In progress' };

export function ChecklistPage() {
  return (
    <Gate title="Capacity checklist" roles={READERS} what="see your organization’s capacity checklist">
      {(me) => <ChecklistView me={me} />}
    </Gate>
  );
}

function ChecklistView({ me }: { me: Me }) {
  const [c, setC] = useState<Checklist | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const reload = useCallback(
    () =>
      gql(ChecklistQuery, { org: me.organizationId }).then(
        (d) => setC(d.capacityChecklist),
        (e) => setError(errorSentence(e, 'see the capacity checklist')),
      ),
    [me.organizationId],
  );
  useEffect(() => {
    void reload();
  }, [reload]);
  const edit = EDITORS.includes(me.role);
  const run = async (what: string, work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      setMessage(done);
      await reload();
    } catch (e) {
      setMessage(errorSentence(e, what));
    }
  };
  return (
    <Page title="Capacity checklist and action plan">
      <StandardsNav />
      <p>The FUTURES Capacity Assessment Checklist: how ready your organization is to serve survivors of human trafficking, then your own review and an action plan. Private to your organization and the network’s administrators.</p>
      <ErrorMessage>{error}</ErrorMessage>
      <p role="status">{message}</p>
      {c && (
        <>
          {c.sections.map((s) => (
            <section key={s.code} aria-labelledby={`section-${s.code}`}>
              <h2 id={`section-${s.code}`}>
                {s.number}. {s.title}
              </h2>
              {s.items.map((item) => (
                <ChecklistItem
                  key={item.code}
                  item={item}
                  edit={edit}
                  onSave={(input) =>
                    run('save this answer', () => gql(SaveItem, { o: me.organizationId, c: item.code, v: item.answer?.version ?? 0, i: input }), 'Answer saved.')
                  }
                />
              ))}
            </section>
          ))}
          <CapacityReviewForm
            review={c.review}
            edit={edit}
            onSave={(input) => run('save the capacity review', () => gql(SaveReview, { o: me.organizationId, v: c.review.version, i: input }), 'Capacity review saved.')}
          />
          <section aria-labelledby="plan">
            <h2 id="plan">Action plan</h2>
            {c.goals.length === 0 ? <p>No goals yet.</p> : (
              <ul aria-label="Goals">
                {c.goals.map((g) => (
                  <li key={g.id}>
                    <strong>{g.goal}</strong>
                    {g.actionSteps && <p>Action steps: {g.actionSteps}</p>}
                    {g.organizationsEngaged.map((o, i) => (
                      <p key={i}>
                        {o.organization}: {o.responsibilities}
                      </p>
                    ))}
                    {g.timeline && <p>Timeline: {g.timeline}</p>}
                    {g.nextSteps && <p>Next steps: {g.nextSteps}</p>}
                    {g.resourcesNeeded && <p>Resources needed: {g.resourcesNeeded}</p>}
                  </li>
                ))}
              </ul>
            )}
            {edit && <GoalForm onSave={(input) => run('add the goal', () => gql(NewGoal, { o: me.organizationId, i: input }), 'Goal added.')} />}
          </section>
        </>
      )}
      {!c && !error && <p role="status">Loading…</p>}
    </Page>
  );
}

type Item = Checklist['sections'][number]['items'][number];

function ChecklistItem({ item, edit, onSave }: { item: Item; edit: boolean; onSave: (input: { status: CapacityItemStatus | null; note: string | null }) => void }) {
  const [status, setStatus] = useState<CapacityItemStatus | ''>(item.answer?.status ?? '');
  const [note, setNote] = useState(item.answer?.note ?? '');
  const id = `item-${item.code}`;
  return (
    <div className="checklist-item">
      {item.kind === 'YES_NO' ? (
        <fieldset className="field">
          <legend>{item.text}</legend>
          {(Object.keys(STATUS_LABELS) as CapacityItemStatus[]).map((s) => (
            <div className="check" key={s}>
              <input type="radio" name={id} id={`${id}-${s}`} checked={status === s} onChange={() => setStatus(s)} disabled={!edit} />
              <label htmlFor={`${id}-${s}`}>{STATUS_LABELS[s]}</label>
            </div>
          ))}
          <TextField id={`${id}-note`} label="Note" value={note} onChange={setNote} multiline disabled={!edit} />
        </fieldset>
      ) : (
        <TextField id={`${id}-note`} label={item.text} value={note} onChange={setNote} multiline disabled={!edit} />
      )}
      {edit && (
        <button type="button" onClick={() => onSave({ status: item.kind === 'YES_NO' && status ? status : null, note: note.trim() || null })}>
          Save the answer
        </button>
      )}
    </div>
  );
}

function CapacityReviewForm({ review, edit, onSave }: { review: Checklist['review']; edit: boolean; onSave: (input: Record<string, string>) => void }) {
  const fields = { capacity: review.capacity, gaps_and_limits: review.gapsAndLimits, priorities: review.priorities, resources_needed: review.resourcesNeeded };
  const keys: Record<string, string> = { capacity: 'capacity', gaps_and_limits: 'gapsAndLimits', priorities: 'priorities', resources_needed: 'resourcesNeeded' };
  const [draft, setDraft] = useState<Record<string, string>>(() => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v ?? ''])));
  return (
    <section aria-labelledby="capacity-review">
      <h2 id="capacity-review">Internal capacity review</h2>
      {review.questions.map((q) => (
        <TextField key={q.code} id={`review-${q.code}`} label={q.text} value={draft[q.code] ?? ''} onChange={(v) => setDraft((d) => ({ ...d, [q.code]: v }))} multiline disabled={!edit} />
      ))}
      {edit && (
        <button type="button" onClick={() => onSave(Object.fromEntries(Object.entries(draft).map(([k, v]) => [keys[k] ?? k, v])))}>
          Save the capacity review
        </button>
      )}
    </section>
  );
}

function GoalForm({ onSave }: { onSave: (input: Record<string, unknown>) => void }) {
  const empty = { goal: '', actionSteps: '', organization: '', responsibilities: '', timeline: '', nextSteps: '', resourcesNeeded: '' };
  const [g, setG] = useState(empty);
  const set = (k: keyof typeof empty) => (v: string) => setG((x) => ({ ...x, [k]: v }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { organization, responsibilities, ...rest } = g;
    onSave({
      ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, v.trim() || null])),
      organizationsEngaged: organization.trim() ? [{ organization: organization.trim(), responsibilities: responsibilities.trim() }] : [],
    });
    setG(empty);
  };
  return (
    <form onSubmit={submit} aria-label="New goal" noValidate>
      <h3>Add a goal</h3>
      <TextField id="goal-goal" label="Goal" value={g.goal} onChange={set('goal')} />
      <TextField id="goal-steps" label="Action steps" value={g.actionSteps} onChange={set('actionSteps')} multiline />
      <TextField id="goal-org" label="Organization engaged" value={g.organization} onChange={set('organization')} />
      <TextField id="goal-resp" label="Its responsibilities" value={g.responsibilities} onChange={set('responsibilities')} multiline />
      <TextField id="goal-timeline" label="Timeline" value={g.timeline} onChange={set('timeline')} />
      <TextField id="goal-next" label="Next steps" value={g.nextSteps} onChange={set('nextSteps')} multiline />
      <TextField id="goal-resources" label="Resources needed" value={g.resourcesNeeded} onChange={set('resourcesNeeded')} multiline />
      <button type="submit">Add the goal</button>
    </form>
  );
}

// --- The statewide picture --------------------------------------------------------------

const AggregateQuery = graphql(`
  query StandardsAggregatePage {
    standardsAggregate {
      asOf
      serviceAreas { serviceArea statewide countyBreakdown withoutCounty counties { county { fips name } organizations } }
      standards { standard { number title } statewide }
    }
  }
`);

export function AggregatePage() {
  return (
    <Gate title="Statewide picture" what="see the statewide picture">
      {() => <AggregateView />}
    </Gate>
  );
}

function figure(n: number | null | undefined): string {
  return n === null || n === undefined ? 'withheld' : String(n);
}

function AggregateView() {
  const [data, setData] = useState<Awaited<ReturnType<typeof loadAggregate>> | null>(null);
  const [error, setError] = useState('');
  const loadAggregate = () => gql(AggregateQuery).then((d) => d.standardsAggregate);
  useEffect(() => {
    loadAggregate().then(setData, (e) => setError(errorSentence(e, 'see the statewide picture')));
  }, []);
  return (
    <Page title="Statewide picture">
      <StandardsNav />
      <p>
        How many organizations meet the Standards of Service, from reviews in force today: statewide and by home county. A count from 1 to 4 is withheld, and so is anything that would reveal one.{' '}
        <a href="/exports/standards.csv" download>
          Download the statewide picture (CSV)
        </a>
      </p>
      <ErrorMessage>{error}</ErrorMessage>
      {data && (
        <>
          <table>
            <caption>Organizations meeting the standards for each service area, as of {data.asOf}</caption>
            <thead>
              <tr>
                <th scope="col">Service area</th>
                <th scope="col">Statewide</th>
                <th scope="col">By county</th>
              </tr>
            </thead>
            <tbody>
              {data.serviceAreas.map((f) => (
                <tr key={f.serviceArea ?? ''}>
                  <th scope="row">{f.serviceArea ? AREA_NAMES[f.serviceArea] : ''}</th>
                  <td>{figure(f.statewide)}</td>
                  <td>{f.countyBreakdown ? f.counties.map((c) => `${c.county.name}: ${figure(c.organizations)}`).join(', ') || 'none' : 'not published'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <caption>Organizations meeting or exceeding each standard</caption>
            <thead>
              <tr>
                <th scope="col">Standard</th>
                <th scope="col">Statewide</th>
              </tr>
            </thead>
            <tbody>
              {data.standards.map((f) => (
                <tr key={f.standard?.number}>
                  <th scope="row">
                    {f.standard?.number}. {f.standard?.title}
                  </th>
                  <td>{figure(f.statewide)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {!data && !error && <p role="status">Loading…</p>}
    </Page>
  );
}

// --- Vetted referral routing (network admins) -------------------------------------------

const Rules = graphql(`
  query VettingRules {
    referralVettingRequirements { needCode serviceArea setAt }
    standardServiceAreas { area needCodes }
    needCategories { code label }
  }
`);
const SetRule = graphql(`
  mutation SetVettingRule($n: String!, $a: StandardServiceArea) { setReferralVettingRequirement(needCode: $n, serviceArea: $a) { needCode } }
`);
const LiftRule = graphql(`
  mutation LiftVettingRule($n: String!) { liftReferralVettingRequirement(needCode: $n) }
`);

export function VettingRulesPage() {
  return (
    <Gate title="Vetted referrals" roles={['NETWORK_ADMIN']} what="set which referrals go only to vetted providers">
      {() => <VettingRulesView />}
    </Gate>
  );
}

function VettingRulesView() {
  const { me } = useSession();
  const [data, setData] = useState<Awaited<ReturnType<typeof loadRules>> | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [choice, setChoice] = useState('');
  const loadRules = useCallback(() => gql(Rules), []);
  const reload = useCallback(() => loadRules().then(setData, (e) => setError(errorSentence(e, 'see the routing rules'))), [loadRules]);
  useEffect(() => {
    void reload();
  }, [reload, me]);
  const label = (code: string) => data?.needCategories.find((n) => n.code === code)?.label ?? code;
  // One option per need and service area it leads to.
  const options = (data?.standardServiceAreas ?? []).flatMap((a) => a.needCodes.map((n) => ({ value: `${n}|${a.area}`, text: `${label(n)} → ${AREA_NAMES[a.area]}` })));
  const require = async (event: FormEvent) => {
    event.preventDefault();
    const [need, area] = choice.split('|');
    if (!need || !area) return;
    try {
      await gql(SetRule, { n: need, a: area as never });
      setMessage(`Referrals for ${label(need)} now go only to providers vetted for ${AREA_NAMES[area as keyof typeof AREA_NAMES]}.`);
      await reload();
    } catch (e) {
      setMessage(errorSentence(e, 'require vetting'));
    }
  };
  const lift = async (need: string) => {
    try {
      await gql(LiftRule, { n: need });
      setMessage(`Referrals for ${label(need)} go to any network member again.`);
      await reload();
    } catch (e) {
      setMessage(errorSentence(e, 'lift the requirement'));
    }
  };
  return (
    <Page title="Vetted referrals">
      <NetworkNav />
      <p>Require that referrals for a need go only to providers vetted for the matching service area of the Standards of Service. A referral to any other provider is refused, and the sender is told why.</p>
      <ErrorMessage>{error}</ErrorMessage>
      <p role="status">{message}</p>
      {data && (
        <>
          {data.referralVettingRequirements.length === 0 ? (
            <p>No need requires vetting.</p>
          ) : (
            <ul aria-label="Needs requiring vetting">
              {data.referralVettingRequirements.map((r) => (
                <li key={r.needCode}>
                  {label(r.needCode)}: only providers vetted for {AREA_NAMES[r.serviceArea]}{' '}
                  <button type="button" onClick={() => void lift(r.needCode)}>
                    Lift the requirement for {label(r.needCode)}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <form onSubmit={require} aria-label="Require vetting">
            <div className="field">
              <label htmlFor="vetting-need">Need and service area</label>
              <select id="vetting-need" value={choice} onChange={(e) => setChoice(e.target.value)}>
                <option value="">Choose…</option>
                {options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.text}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit">Require vetting</button>
          </form>
        </>
      )}
    </Page>
  );
}

// --- Reviewers (network admins) -----------------------------------------------------------

const ReviewersQuery = graphql(`
  query StandardsReviewersPage { standardsReviewers { userId displayName grantedAt } organizations { id name } }
`);
const MembersQuery = graphql(`
  query ReviewerCandidates($id: ID!) { organization(id: $id) { members { user { id displayName } } } }
`);
const Grant = graphql(`
  mutation GrantReviewer($u: ID!) { grantStandardsReviewer(userId: $u) { userId } }
`);
const Revoke = graphql(`
  mutation RevokeReviewer($u: ID!) { revokeStandardsReviewer(userId: $u) }
`);

export function ReviewersPage() {
  return (
    <Gate title="Standards reviewers" roles={['NETWORK_ADMIN']} what="choose who reviews self-assessments">
      {() => <ReviewersView />}
    </Gate>
  );
}

function ReviewersView() {
  const [data, setData] = useState<Awaited<ReturnType<typeof loadReviewers>> | null>(null);
  const [members, setMembers] = useState<{ id: string; displayName: string }[]>([]);
  const [org, setOrg] = useState('');
  const [user, setUser] = useState('');
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const loadReviewers = useCallback(() => gql(ReviewersQuery), []);
  const reload = useCallback(() => loadReviewers().then(setData, (e) => setError(errorSentence(e, 'see the reviewers'))), [loadReviewers]);
  useEffect(() => {
    void reload();
  }, [reload]);
  useEffect(() => {
    setUser('');
    if (!org) return setMembers([]);
    gql(MembersQuery, { id: org }).then(
      (d) => setMembers((d.organization?.members ?? []).map((m) => m.user)),
      (e) => setError(errorSentence(e, 'see that organization’s people')),
    );
  }, [org]);
  const act = async (what: string, work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      setMessage(done);
      await reload();
    } catch (e) {
      setMessage(errorSentence(e, what));
    }
  };
  const grant = (event: FormEvent) => {
    event.preventDefault();
    const name = members.find((m) => m.id === user)?.displayName ?? 'They';
    if (user) void act('make them a reviewer', () => gql(Grant, { u: user }), `${name} now reviews self-assessments.`);
  };
  return (
    <Page title="Standards reviewers">
      <NetworkNav />
      <p>Network administrators review self-assessments; so do the people you choose here. No one reviews an organization they belong to.</p>
      <ErrorMessage>{error}</ErrorMessage>
      <p role="status">{message}</p>
      {data && (
        <>
          {data.standardsReviewers.length === 0 ? (
            <p>No reviewers besides the network administrators.</p>
          ) : (
            <ul aria-label="Reviewers">
              {data.standardsReviewers.map((r) => (
                <li key={r.userId}>
                  {r.displayName} (since {when(r.grantedAt)}){' '}
                  <button type="button" onClick={() => void act('revoke the reviewer', () => gql(Revoke, { u: r.userId }), `${r.displayName} no longer reviews.`)}>
                    Revoke {r.displayName}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <form onSubmit={grant} aria-label="Add a reviewer">
            <div className="field">
              <label htmlFor="reviewer-org">Organization</label>
              <select id="reviewer-org" value={org} onChange={(e) => setOrg(e.target.value)}>
                <option value="">Choose…</option>
                {data.organizations.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="reviewer-user">Person</label>
              <select id="reviewer-user" value={user} onChange={(e) => setUser(e.target.value)} disabled={!org}>
                <option value="">Choose…</option>
                {members.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.displayName}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" disabled={!user}>
              Make them a reviewer
            </button>
          </form>
        </>
      )}
    </Page>
  );
}
