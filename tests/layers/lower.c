/* lower.c — fixture of selftest.py: library "layers_lower" calls up into
 * "layers_upper", which the test forbids. */
int layers_fixture_upper(int n);

int layers_fixture_lower(int n)
{
    return n > 10 ? layers_fixture_upper(n - 10) : n;
}
