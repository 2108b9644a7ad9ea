import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer
from governance import services
from governance.api.serializers import (
    ConsentInputSerializer,
    ConsentOutputSerializer,
    ObjectionInputSerializer,
    PurposeSerializer,
)
from governance.models import Channel, Consent, ConsentStatus, Purpose
from governance.services.preferences import preference_link_make
from mis.api.serializers import StrictInputSerializer


class ConsentFilter(django_filters.FilterSet):
    customer = django_filters.UUIDFilter(field_name="customer__public_id")
    purpose = django_filters.CharFilter(field_name="purpose__code")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    status = django_filters.ChoiceFilter(choices=ConsentStatus.choices)

    class Meta:
        model = Consent
        fields = ("customer", "purpose", "channel", "status")


class RecordedCursorPagination(CursorPagination):
    ordering = ("-recorded_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 500


class PurposeViewSet(viewsets.ReadOnlyModelViewSet):
    """The purposes personal data is processed for (the processing register's lines)."""

    serializer_class = PurposeSerializer
    queryset = Purpose.objects.all()
    lookup_field = "code"
    pagination_class = None


class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The consent ledger. Events are appended (POST), never changed or deleted:
    a withdrawal is a new event with ``status: withdrawn``."""

    serializer_class = ConsentOutputSerializer
    filterset_class = ConsentFilter
    pagination_class = RecordedCursorPagination
    lookup_field = "public_id"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return Consent.objects.select_related("customer", "purpose", "actor")

    @extend_schema(request=ConsentInputSerializer, responses={201: ConsentOutputSerializer})
    def create(self, request):
        payload = ConsentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        event = services.consent_record(**payload.validated_data, actor=request.user)
        return Response(self.get_serializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ObjectionInputSerializer, responses={201: ConsentOutputSerializer(many=True)}
    )
    @action(detail=False, methods=["post"])
    def objection(self, request):
        """An objection to direct marketing: every marketing purpose withdrawn on
        every channel, and the person's contact points suppressed."""
        payload = ObjectionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        events = services.objection_register(**payload.validated_data, actor=request.user)
        return Response(self.get_serializer(events, many=True).data, status=status.HTTP_201_CREATED)


class PreferenceLinkInputSerializer(StrictInputSerializer):
    customer = serializers.SlugRelatedField(slug_field="public_id", queryset=Customer.objects.all())


class PreferenceLinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField()


class PreferenceLinkPermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("governance.add_consent")


class PreferenceLinkView(APIView):
    """A signed, expiring link to a customer's preference centre, for a
    campaign mail: the person gives or withdraws consent there, without an
    account."""

    permission_classes = [IsAuthenticated, PreferenceLinkPermission]

    @extend_schema(request=PreferenceLinkInputSerializer, responses={201: PreferenceLinkSerializer})
    def post(self, request):
        payload = PreferenceLinkInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        link = preference_link_make(customer=payload.validated_data["customer"])
        return Response(PreferenceLinkSerializer(link).data, status=status.HTTP_201_CREATED)
