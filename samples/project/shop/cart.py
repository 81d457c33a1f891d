"""A tiny shop used by the flakefighters-action demo."""


class Cart:
    def __init__(self):
        self.items = []

    def add(self, name, price, quantity=1):
        if price < 0:
            raise ValueError(f"negative price for {name}")
        self.items.append((name, price, quantity))

    def total(self):
        return sum(price * quantity for _, price, quantity in self.items)
