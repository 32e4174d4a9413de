from rest_framework import serializers

from accounts.models import PlanType


class ResourceUsageSerializer(serializers.Serializer):
    limit = serializers.IntegerField(allow_null=True, help_text="null: unlimited")
    used = serializers.IntegerField()
    remaining = serializers.IntegerField(allow_null=True)
    percentage = serializers.FloatField(allow_null=True)
    monthly = serializers.BooleanField(help_text="Counted per calendar month (business time zone)")


class UsageAlertSerializer(serializers.Serializer):
    resource = serializers.CharField()
    threshold = serializers.IntegerField()
    used = serializers.IntegerField()
    limit = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class UsageSerializer(serializers.Serializer):
    plan_type = serializers.ChoiceField(choices=PlanType.choices)
    period = PeriodSerializer()
    limits = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    used = serializers.DictField(child=serializers.IntegerField())
    percentage = serializers.DictField(child=serializers.FloatField(allow_null=True))
    resources = serializers.DictField(child=ResourceUsageSerializer())
    alerts = UsageAlertSerializer(many=True)


class UpgradePlanInputSerializer(serializers.Serializer):
    plan_type = serializers.ChoiceField(choices=PlanType.choices)


class UpgradePlanSerializer(serializers.Serializer):
    plan_type = serializers.ChoiceField(choices=PlanType.choices)
    previous_plan_type = serializers.ChoiceField(choices=PlanType.choices)
    changed_at = serializers.DateTimeField(allow_null=True)
    usage = UsageSerializer()
