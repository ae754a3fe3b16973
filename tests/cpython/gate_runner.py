"""gate_runner TEST_MODULE [TREE]: runs CPython's test.TEST_MODULE with
unittest and prints one JSON line: the ids of the tests that passed,
failed, errored and were skipped. Run by stock python3.11 (TREE, the
extracted test suite, goes first on sys.path) and, packed, by the gate
executable (which has the suite in its blob or beside it). Resources
(network, cpu, ...) are disabled as in a plain `python -m test` run."""
import json
import sys

if __name__ == "__main__" and len(sys.argv) > 2:
    sys.path.insert(0, sys.argv[2])  # before unittest: the suite's has its tests
import unittest  # noqa: E402


class Collect(unittest.TestResult):
    """Outcome of every test id."""

    def __init__(self):
        super().__init__()
        self.outcome = {}

    def addSuccess(self, test):
        self.outcome[test.id()] = "pass"

    def addFailure(self, test, err):
        self.outcome[test.id()] = "fail"

    def addError(self, test, err):
        self.outcome[getattr(test, "id", lambda: str(test))()] = "error"

    def addSkip(self, test, reason):
        self.outcome[test.id()] = "skip"

    def addExpectedFailure(self, test, err):
        self.outcome[test.id()] = "pass"

    def addUnexpectedSuccess(self, test):
        self.outcome[test.id()] = "fail"

    def addSubTest(self, test, subtest, err):
        if err is not None:
            self.outcome[test.id()] = "fail"


def main():
    name = sys.argv[1]
    from test import support
    support.use_resources = []
    support.verbose = 0
    result = Collect()
    try:
        suite = unittest.defaultTestLoader.loadTestsFromName("test." + name)
        suite.run(result)
    except BaseException as e:  # a module that cannot even load
        result.outcome["<module %s>" % name] = "error: %s: %s" % (type(e).__name__, e)
    sys.stdout.flush()
    out = {k: sorted(t for t, o in result.outcome.items() if o == k or o.startswith(k + ":"))
           for k in ("pass", "fail", "error", "skip")}
    print("\nGATE-RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
