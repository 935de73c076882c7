"""Sets up createReferral's benchmark over the API, as the product is used: a sender
organization with an advocate, a recipient organization whose staff list a shelter
service, and one fake client with written consent to share their name with the
recipient. Prints shell assignments for the wrk script (tokens and ids) and for the
pgbench floor (the ids it writes with). Usage: referral_setup.py URL ADMIN_TOKEN
PASSWORD."""
import json
import sys
import urllib.request
import uuid

URL, ADMIN, PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]


def gql(query, variables=None, token=None):
    request = urllib.request.Request(
        URL, json.dumps({"query": query, "variables": variables or {}}).encode(),
        {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})})
    body = json.load(urllib.request.urlopen(request))
    if body.get("errors"):
        sys.exit(f"setup failed: {body['errors'][0].get('extensions', {}).get('code')}")
    return body["data"]


def organization(name):
    return gql("mutation($n: String!) { createOrganization(input: { name: $n }) { id } }", {"n": name},
               ADMIN)["createOrganization"]["id"]


def member(org, role):
    email = f"bench-{role.lower()}-{uuid.uuid4().hex[:8]}@lantern.test"
    invited = gql("mutation($i: InviteUserInput!) { inviteUser(input: $i) { invitationToken } }",
                  {"i": {"email": email, "displayName": "Bench Person (fake)", "organizationId": org, "role": role}},
                  ADMIN)["inviteUser"]
    gql("mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) }",
        {"t": invited["invitationToken"], "p": PASSWORD})
    return gql("mutation($e: String!, $p: String!, $o: ID) { login(email: $e, password: $p, organizationId: $o) { token } }",
               {"e": email, "p": PASSWORD, "o": org})["login"]["token"]


run = uuid.uuid4().hex[:6]
sender = organization(f"Bench Sender {run} (synthetic)")
recipient = organization(f"Bench Recipient {run} (synthetic)")
advocate, staff = member(sender, "ADVOCATE"), member(recipient, "PROVIDER_STAFF")
provider = gql('mutation { createProvider(input: { name: "Bench Recipient Shelter (synthetic)", kind: "dv_sa_agency" }) { id } }',
               token=staff)["createProvider"]["id"]
service = gql('mutation($p: ID!) { createService(providerId: $p, input: { name: "Emergency shelter", needs: ["acute.housing"] }) { id } }',
              {"p": provider}, staff)["createService"]["id"]
client = gql("mutation($i: ClientCreate!) { createClient(input: $i) { id } }",
             {"i": {"name": "Bench Client (fake)", "dateOfBirth": "1990-01-01"}}, advocate)["createClient"]["id"]
gql("mutation($k: String!, $i: ConsentRecord!) { recordConsent(idempotencyKey: $k, input: $i) { id } }",
    {"k": str(uuid.uuid4()), "i": {"clientId": client, "recipients": [recipient], "fields": ["NAME"],
                                   "purpose": "Shelter placement", "method": "WRITTEN_SIGNED", "contactMode": "IN_PERSON"}},
    advocate)
user = gql("{ me { user { id } } }", token=advocate)["me"]["user"]["id"]
print(f"export BENCH_ADVOCATE={advocate} BENCH_SERVICE={service} BENCH_CLIENT={client}")
print(f"export BENCH_SENDER={sender} BENCH_RECIPIENT={recipient} BENCH_PROVIDER={provider} BENCH_USER={user}")
