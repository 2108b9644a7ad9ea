from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from customers.campaigns import services
from customers.campaigns.selectors import campaign_funnel
from customers.models import Campaign, CampaignSnapshot
from mis.api.permissions import RoleModelPermissions
from mis.api.serializers import StrictInputSerializer


class CampaignSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    snapshots = serializers.SlugRelatedField(slug_field="public_id", many=True, read_only=True)
    funnel = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ("id", "name", "description", "snapshots", "created_at", "funnel")

    def get_funnel(self, campaign) -> dict:
        funnel = campaign_funnel(campaign)
        return {
            "members": funnel.members,
            "responded": funnel.responded,
            "revenue": str(funnel.revenue),
            "currency": funnel.currency,
            **funnel.by_kind,
        }


class CampaignInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    snapshots = serializers.SlugRelatedField(
        slug_field="public_id", many=True, queryset=CampaignSnapshot.objects.all()
    )


class ResponsesInputSerializer(StrictInputSerializer):
    responses = serializers.ListField(child=serializers.DictField(), max_length=5000)


class ResponsesResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    recorded = serializers.IntegerField()
    repeated = serializers.IntegerField()
    opted_out = serializers.IntegerField()
    bounced = serializers.IntegerField()


class ResponsePermission(RoleModelPermissions):
    def get_required_permissions(self, method, model_cls):
        return ["customers.add_campaignresponse"]


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Campaigns: the snapshots they were sent to, and their funnel."""

    serializer_class = CampaignSerializer
    queryset = Campaign.objects.prefetch_related("snapshots")
    lookup_field = "public_id"

    @extend_schema(request=CampaignInputSerializer, responses={201: CampaignSerializer})
    def create(self, request):
        payload = CampaignInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        campaign = services.campaign_create(**payload.validated_data, actor=request.user)
        return Response(self.get_serializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResponsesInputSerializer, responses={201: ResponsesResultSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ResponsePermission])
    def responses(self, request, public_id=None):
        """Report responses of members: ``{"responses": [{"customer": "<id>" or
        "email": "…", "kind": "opened", "occurred_at": "…"}, …]}``. One bad row
        refuses all, each problem naming its row (1 = the first) and field."""
        payload = ResponsesInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rows = list(enumerate(payload.validated_data["responses"], start=1))
        key = getattr(request.auth, "prefix", "")
        result = services.campaign_responses_record(
            campaign=self.get_object(),
            rows=rows,
            source="api",
            reference=f"API key {key}" if key else f"API, {request.user.get_username()}",
            actor=request.user,
        )
        return Response(ResponsesResultSerializer(result).data, status=status.HTTP_201_CREATED)
