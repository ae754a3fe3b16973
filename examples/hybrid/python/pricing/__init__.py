"""Business logic of the hybrid example: quotes for orders the C program
computed. `native` is the C program's own module (hybrid.c)."""
import json

import native

from .rules import discount_for


def quote(customer, net_cents, country):
    """Price of an order: the customer's discount, then the country's tax
    rate, which the C program knows (native.tax_rate). Returns a float in
    currency units."""
    discount = discount_for(customer, net_cents)
    net = net_cents * (1 - discount) / 100
    gross = round(net * (1 + native.tax_rate(country)), 2)
    native.audit(f"{customer}: net {net:.2f}, discount {discount:.0%}, {country} -> {gross:.2f}")
    return gross


def summary(report):
    """report: bytes of "sku,qty" lines made in C; returns a JSON string of
    the quantity per SKU, largest first."""
    totals = {}
    for line in report.decode("ascii").splitlines():
        sku, qty = line.split(",")
        totals[sku] = totals.get(sku, 0) + int(qty)
    top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    return json.dumps(dict(top))


def checked_quote(customer, net_cents, country):
    """quote() that refuses unknown customers (the error path of the example)."""
    if customer not in ("acme", "globex", "initech"):
        raise LookupError(f"no such customer: {customer}")
    return quote(customer, net_cents, country)
