"""azure-identity ClientSecretCredential against Microsoft's real URLs: only HTTPS_PROXY and
REQUESTS_CA_BUNDLE point it at the emulator. Argv: tenant client_id secret eligibility_json.
Prints one JSON line: the token's tid and roles, and Graph's status and body."""
import base64, json, sys
import requests
from azure.identity import ClientSecretCredential

tenant, client_id, secret, body = sys.argv[1:5]
token = ClientSecretCredential(tenant, client_id, secret).get_token("https://graph.microsoft.com/.default").token
claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
res = requests.post(
    "https://graph.microsoft.com/v1.0/roleManagement/directory/roleEligibilityScheduleRequests",
    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    data=body,
    timeout=20,
)
print(json.dumps({"tid": claims["tid"], "idtyp": claims.get("idtyp"), "status": res.status_code, "body": res.json()}))
