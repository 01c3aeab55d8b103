"""Lists a sandbox's AWS connectors through qualysdk, the Python SDK, and
prints how many came back and how long the listing took.

Usage: peer.py BASE_URL USERNAME PASSWORD PAGE_SIZE
Prints one line: "<connectors> <seconds>". benches/peer.sh runs it.

qualysdk is written for the real platforms, and three of its assumptions do
not hold for a sandbox on loopback http. Each is bent at a seam outside the
code being measured (call_api's request loop and get_connectors' paging and
record parsing run unchanged):

1. Login probe. Building a BasicAuth calls test_login, which GETs
   `/msp/about.php` on the API host and reads rate-limit headers from it. The
   sandbox serves only the connector API, so test_login becomes a no-op.
2. https only. BaseAuthentication.__post_init__ rewrites every
   override_platform URL to https://. The sandbox speaks plain http, so the
   URLs are set back after construction; call_api then joins
   `qualysguard_url` and `/cloudview-api/rest/v1/{cloudprovider}/connectors`
   as it does for a real platform.
3. Unknown fields. get_connectors builds `AWSConnector(**record)`, and a
   dataclass refuses keywords it does not declare; the sandbox sends fields
   the SDK does not know (`regionCode`, `cloudType`), as the service may. The
   name AWSConnector inside get_connectors' module is wrapped to drop those
   keys first; the rest of each record goes through the SDK's own parsing.

Only the get_connectors call is timed: interpreter start, imports and the
BasicAuth construction are left out, which favours the peer.
"""

import contextlib
import dataclasses
import importlib
import io
import sys
import time

from qualysdk.auth.basic import BasicAuth

# The module, not the function of the same name that qualysdk.totalcloud
# re-exports: seam 3 replaces a name in the module's globals.
listing = importlib.import_module("qualysdk.totalcloud.get_connectors")


def sandbox_auth(base_url, username, password):
    """A BasicAuth whose every URL points at the sandbox, over http."""
    BasicAuth.test_login = lambda self, return_ratelimit=False: None
    urls = {"api_url": base_url, "gateway_url": base_url, "qualysguard_url": base_url}
    # __post_init__ prints a notice about the overridden URLs.
    with contextlib.redirect_stdout(io.StringIO()):
        auth = BasicAuth(username=username, password=password, override_platform=dict(urls))
    auth.override_platform = urls
    return auth


def tolerate_unknown_fields():
    """Makes get_connectors drop the record keys AWSConnector does not declare."""
    connector = listing.AWSConnector
    known = {field.name for field in dataclasses.fields(connector)}

    def build(**record):
        return connector(**{key: value for key, value in record.items() if key in known})

    listing.AWSConnector = build


def main():
    base_url, username, password, page_size = sys.argv[1:5]
    auth = sandbox_auth(base_url, username, password)
    tolerate_unknown_fields()

    # get_connectors prints a line per page; keep it off the report.
    with contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        connectors = listing.get_connectors(auth, "aws", pageSize=int(page_size))
        seconds = time.perf_counter() - started
    print(f"{len(connectors)} {seconds:.3f}")


if __name__ == "__main__":
    main()
