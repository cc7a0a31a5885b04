"""MSAL for Python, username/password (it asks /common/userrealm/{upn} first), against Microsoft's
real URLs: only HTTPS_PROXY and REQUESTS_CA_BUNDLE point it at the emulator.
Argv: tenant client_id username password activation_json. Prints one JSON line."""
import base64, json, sys
import msal
import requests

tenant, client_id, username, password, body = sys.argv[1:6]
app = msal.PublicClientApplication(client_id, authority=f"https://login.microsoftonline.com/{tenant}")
result = app.acquire_token_by_username_password(username, password, scopes=["https://graph.microsoft.com/.default"])
if "access_token" not in result:
    print(json.dumps({"error": result}))
    sys.exit(1)
token = result["access_token"]
claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
res = requests.post(
    "https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignmentScheduleRequests",
    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    data=body,
    timeout=20,
)
print(json.dumps({"tid": claims["tid"], "upn": claims.get("upn"), "amr": claims.get("amr"), "status": res.status_code, "body": res.json()}))
