/* cycle_b.c — fixture of selftest.py: calls back into cycle_a.c. */
int layers_fixture_a(int n);

int layers_fixture_b(int n)
{
    return n > 0 ? layers_fixture_a(n - 1) : 1;
}
