"""Anonymous Blockcerts endpoints: a certificate's Blockcerts v3 document, and the organization's
issuer profile and revocation list that Blockcerts verifiers fetch (blockcerts_selectors.py)."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates.anchoring import blockcerts_selectors as selectors
from core.throttling import PublicLookupThrottle


class _Public(APIView):
    # JSON whatever the Accept header says: these files are fetched by verifiers and downloaded by people.
    renderer_classes = [JSONRenderer]
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicLookupThrottle]


class BlockcertsCertificateView(_Public):
    @extend_schema(
        responses={200: dict},
        description="The certificate as a Blockcerts v3 credential (MerkleProof2019, anchored on the "
        "configured EVM chain). 409 until its Blockcerts anchor is confirmed.",
    )
    def get(self, request, credential_id):
        document = selectors.blockcerts_certificate(credential_id)
        filename = f"{document['id'].rstrip('/').rsplit('/', 1)[-1]}.blockcerts.json"
        return Response(document, headers={"Content-Disposition": f'inline; filename="{filename}"'})


# The issuer profile and revocation list are documents at fixed addresses under /organizations/
# that Blockcerts verifiers fetch (docs/proof-format.md), not API operations: outside the schema,
# like the did:web documents beside them.
class BlockcertsIssuerView(_Public):
    @extend_schema(exclude=True)
    def get(self, request, slug):
        return Response(selectors.blockcerts_issuer_profile(slug))


class BlockcertsRevocationsView(_Public):
    @extend_schema(exclude=True)
    def get(self, request, slug):
        return Response(selectors.blockcerts_revocations(slug, request.query_params.get("assertionId", "")))
