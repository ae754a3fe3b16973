"""Discount rules: tiers by order size, and per-customer agreements."""

TIERS = [(100_000, 0.10), (50_000, 0.05), (0, 0.0)]  # net cents -> discount
AGREEMENTS = {"acme": 0.15}


def discount_for(customer, net_cents):
    tier = next(d for floor, d in TIERS if net_cents >= floor)
    return max(tier, AGREEMENTS.get(customer, 0.0))
