"""A plain module (test_failimport.c): a little of everything a module
body makes, so its import allocates code, functions, a class, a dict."""
TABLE = {"k%d" % i: i * i for i in range(20)}


class Thing:
    def __init__(self, n):
        self.n = n

    def double(self):
        return self.n * 2


def total():
    return sum(TABLE.values()) + Thing(3).double()
