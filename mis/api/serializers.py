from rest_framework import serializers


class StrictInputSerializer(serializers.Serializer):
    """An input serializer that refuses keys it does not know, so a misspelt
    field (``first_nme``) is reported instead of silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(dict.fromkeys(unknown, ["Unknown field."]))
        return super().to_internal_value(data)
