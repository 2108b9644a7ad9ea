from customers.models.attributes import AttributeDefinition, AttributeType
from customers.models.customer import (
    DATA_COMPONENTS,
    SENSITIVE_FIELDS,
    Customer,
    CustomerKind,
    IncomeBand,
    Interest,
    LifecycleStage,
    Lifestyle,
    ValuesOrientation,
)
from customers.models.orders import Order, OrderChannel, OrderLine

__all__ = [
    "DATA_COMPONENTS",
    "SENSITIVE_FIELDS",
    "AttributeDefinition",
    "AttributeType",
    "Customer",
    "CustomerKind",
    "IncomeBand",
    "Interest",
    "LifecycleStage",
    "Lifestyle",
    "Order",
    "OrderChannel",
    "OrderLine",
    "ValuesOrientation",
]
