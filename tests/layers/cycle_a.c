/* cycle_a.c — fixture of selftest.py: calls cycle_b.c, which calls back. */
int layers_fixture_b(int n);

int layers_fixture_a(int n)
{
    return n > 0 ? layers_fixture_b(n - 1) : 0;
}
