"""Stock levels, fetched from a supplier service that is sometimes slow."""
import random


def supplier_online(timeout=0.5):
    # Stands in for a network call: it answers late now and then, which makes its test flaky.
    return random.random() > 0.3


def in_stock(stock, name):
    return stock.get(name, 0) > 0
